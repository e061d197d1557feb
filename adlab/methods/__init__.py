"""The other two ways to differentiate, built on the same primitive table so that lessons compare
like with like: finite differences (``ad.fd``) and symbolic differentiation (``ad.symbolic``).
"""
