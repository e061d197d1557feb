"""Reference answers for lesson 9 (build your own engine), written independently of the checkers:
their own engines and sort, and the question worked out by hand."""
import math


# ---------------------------------------------------------------- 09-topo-order

def topological_order(root):
    """Depth-first, with a stack of (node, iterator over its parents): the recursion made explicit."""
    order, seen = [], {id(root)}
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def recursive_order(root):
    """micrograd's build_topo: right on shallow graphs, RecursionError on the 10,000-node chain."""
    order, visited = [], set()

    def visit(node):
        if node not in visited:
            visited.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)
    visit(root)
    return order


def output_first(root):
    """A valid backward order, returned where an evaluation order is asked for."""
    return list(reversed(topological_order(root)))


def without_visited_set(root):
    """Post-order with a stack but no memory of visited nodes: shared nodes come out twice."""
    order, stack = [], [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents)
    return order


def breadth_first_reversed(root):
    """Levels from the output, reversed: wrong when a node is reached along paths of different
    lengths (a skip connection)."""
    order, seen, queue = [], {id(root)}, [root]
    while queue:
        node = queue.pop(0)
        order.append(node)
        for parent in node.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                queue.append(parent)
    return order[::-1]


def first_parent_only(root):
    order, node = [], root
    while True:
        order.append(node)
        if not node.parents:
            return order[::-1]
        node = node.parents[0]


def preorder_reversed(root):
    """Each node appended when first taken off the stack, the list reversed at the end: wrong when
    a node is reached along paths of different lengths (v-1 through v1 and through v2)."""
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        stack.extend(node.parents)
    return order[::-1]


def kahn_reversed(root):
    """Another right answer: count the users, release a node after its last one, reverse."""
    return list(reversed(uses_order(root)))


def as_a_set(root):
    return set(topological_order(root))


def marks_nodes(root):
    """Marks visited nodes with an attribute of their own (allowed: the nodes are the checker's)."""
    order, stack = [], [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif not getattr(node, "visited", False):
            node.visited = True
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents if not getattr(p, "visited", False))
    return order


# ---------------------------------------------------------------- 09-value-mul

def uses_order(root):
    """The backward order of the lesson: a node after every node that uses it."""
    counts, stack = {root: 0}, [root]
    while stack:
        for parent in stack.pop().parents:
            if parent not in counts:
                counts[parent] = 0
                stack.append(parent)
            counts[parent] += 1
    order, ready = [], [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            counts[parent] -= 1
            if counts[parent] == 0:
                ready.append(parent)
    return order


def micro_value(mul_rule):
    """The skeleton of Exercise 9.2 with ``mul_rule(self, other, out)`` as the closure's body."""
    class MicroValue:
        def __init__(self, data, parents=()):
            self.data = float(data)
            self.grad = 0.0
            self.parents = parents
            self.backward_rule = lambda: None

        def __add__(self, other):
            other = other if isinstance(other, MicroValue) else MicroValue(other)
            out = MicroValue(self.data + other.data, (self, other))

            def backward_rule():
                self.grad += out.grad * 1.0
                other.grad += out.grad * 1.0
            out.backward_rule = backward_rule
            return out

        def __mul__(self, other):
            other = other if isinstance(other, MicroValue) else MicroValue(other)
            out = MicroValue(self.data * other.data, (self, other))
            out.backward_rule = lambda: mul_rule(self, other, out)
            return out

        __radd__ = __add__
        __rmul__ = __mul__

        def backward(self):
            self.grad = 1.0
            for node in uses_order(self):
                node.backward_rule()
    return MicroValue


def _mul_right(self, other, out):
    self.grad += out.grad * other.data
    other.grad += out.grad * self.data


def _mul_assign(self, other, out):
    self.grad = out.grad * other.data
    other.grad = out.grad * self.data


def _mul_swapped(self, other, out):
    self.grad += out.grad * self.data
    other.grad += out.grad * other.data


def _mul_without_out_grad(self, other, out):
    self.grad += other.data
    other.grad += self.data


def _mul_as_add(self, other, out):
    self.grad += out.grad
    other.grad += out.grad


def _mul_only_self(self, other, out):
    self.grad += out.grad * other.data


def _mul_with_grads(self, other, out):  # the adjoints (.grad) where the values (.data) belong
    self.grad += out.grad * other.grad
    other.grad += out.grad * self.grad


def _mul_other_first(self, other, out):  # another right answer: the two lines in the other order
    other.grad += self.data * out.grad
    self.grad += other.data * out.grad


def _mul_loops(self, other, out):
    while True:
        pass


class ValueWithoutGrad:
    """Keeps its adjoint under another name than the lesson's .grad."""

    def __init__(self, data, parents=()):
        self.data, self.adjoint, self.parents = data, 0.0, parents

    def __mul__(self, other):
        return ValueWithoutGrad(self.data * other.data, (self, other))

    def backward(self):
        self.adjoint = 1.0


# ---------------------------------------------------------------- 09-tanh

def value_class(tanh_node):
    """The lesson's Value (forward half, backward), with ``tanh_node(Value, v)`` as its tanh."""
    class Value:
        def __init__(self, data, parents=(), partials=()):
            self.data = float(data)
            self.grad = 0.0
            self.parents = parents
            self.partials = partials

        def __add__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            return Value(self.data + other.data, (self, other), (1.0, 1.0))

        def __mul__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            return Value(self.data * other.data, (self, other), (other.data, self.data))

        __radd__, __rmul__ = __add__, __mul__

        def tanh(self):
            return tanh_node(Value, self)

        def backward(self):
            self.grad = 1.0
            for node in uses_order(self):
                for parent, partial in zip(node.parents, node.partials):
                    parent.grad += node.grad * partial
    return Value


def _tanh_right(Value, v):
    t = math.tanh(v.data)
    return Value(t, (v,), (1.0 / math.cosh(v.data) ** 2,))   # sech² v = 1 − tanh² v


def _tanh_list(Value, v):  # lists instead of tuples, 1 - t**2
    t = math.tanh(v.data)
    return Value(t, [v], [1 - t ** 2])


def _tanh_from_exp(Value, v):  # the value from exp: equal to math.tanh to the last digits
    e = math.exp(2 * v.data)
    t = 1.0 if math.isinf(e) else (e - 1) / (e + 1)
    return Value(t, (v,), (1 - t * t,))


def _tanh_without_square(Value, v):
    t = math.tanh(v.data)
    return Value(t, (v,), (1 - t,))


def _tanh_of_input(Value, v):
    return Value(math.tanh(v.data), (v,), (1 - v.data ** 2,))


def _tanh_number(Value, v):
    return math.tanh(v.data)


def _tanh_no_comma(Value, v):
    t = math.tanh(v.data)
    return Value(t, (v,), (1 - t * t))   # a float, not a tuple


def _tanh_no_parent(Value, v):
    return Value(math.tanh(v.data))


def value_class_without_tanh():
    cls = value_class(_tanh_right)
    del cls.tanh
    return cls


# ---------------------------------------------------------------- 09-backward-twice
# x = 3, u = x·x, y = u·2. First call: ȳ = 1, ū = 2, x̄ = ū·x + ū·x = 12.
# Second call: ȳ = 1 again (the seed is set, not added), ū = 2 + 2 = 4, x̄ = 12 + 4·3 + 4·3 = 36.
TWICE = 12 + 4 * 3 + 4 * 3

SOLUTIONS = {
    "09-topo-order": topological_order,
    "09-value-mul": micro_value(_mul_right),
    "09-tanh": value_class(_tanh_right),
    "09-backward-twice": TWICE,
}

WRONG = {
    "09-topo-order": [
        (recursive_order, "nested calls"),
        (output_first, "starts with the output"),
        (without_visited_set, "more than once"),
        (breadth_first_reversed, "comes before its parent"),
        (first_parent_only, "every parent"),
        (preorder_reversed, "first reached from the output"),
        (as_a_set, "not a list"),
    ],
    "09-value-mul": [
        (micro_value(_mul_assign), "+="),
        (micro_value(_mul_swapped), "swapped"),
        (micro_value(_mul_without_out_grad), "out.grad"),
        (micro_value(_mul_as_add), "not addition"),
        (micro_value(_mul_loops), "did not finish"),
        (micro_value(_mul_only_self), "self.grad only"),
        (micro_value(_mul_with_grads), "not their adjoints"),
        (ValueWithoutGrad, "no attribute 'grad'"),
    ],
    "09-tanh": [
        (value_class(_tanh_without_square), "squared"),
        (value_class(_tanh_of_input), "not the input"),
        (value_class(_tanh_number), "return a new"),
        (value_class(_tanh_no_comma), "comma"),
        (value_class(_tanh_no_parent), "record self"),
        (value_class_without_tanh(), "no method tanh"),
    ],
    "09-backward-twice": [
        (24, "u does too"),
        (12, "never resets"),
        (48, "seed"),
    ],
}

# Other right answers, in other valid forms: each must be accepted too.
ALSO_ACCEPTED = {
    "09-topo-order": [marks_nodes, kahn_reversed],
    "09-value-mul": [micro_value(_mul_other_first)],
    "09-tanh": [value_class(_tanh_list), value_class(_tanh_from_exp)],
    "09-backward-twice": [int(TWICE), float(TWICE)],
}
