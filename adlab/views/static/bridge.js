// adlab: the link between a player object in the kernel and its view(s) in the page.
// This anywidget model is never displayed: its `initialize` hook runs when the kernel creates it
// and registers it under its key; the player's own script (in the cell's HTML output) binds to it,
// so that player.goto(k) in Python moves the page and stepping in the page updates player.step.
export default {
  initialize({ model }) {
    const registry = (globalThis.__adlabLink ??= { models: {}, views: {} });
    const key = model.get("key");
    registry.models[key] = model;
    for (const view of registry.views[key] || []) view.bind(model);
    return () => {
      if (registry.models[key] === model) delete registry.models[key];
      for (const view of registry.views[key] || []) view.unbind(model);
    };
  },
};
