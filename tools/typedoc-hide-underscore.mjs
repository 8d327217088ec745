// TypeDoc plugin (typedoc.json "plugin"): leaves members whose names start with an underscore
// (Tensor._check, Module._buffers, ...) out of the API reference. They are internal by the project's
// convention, public only so that other files of neurona can reach them.
import { Converter, ReflectionKind } from 'typedoc';

/** TypeDoc calls load(app) for each plugin. */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const kinds = ReflectionKind.Property | ReflectionKind.Method | ReflectionKind.Accessor;
    for (const r of context.project.getReflectionsByKind(kinds)) {
      if (r.name.startsWith('_')) context.project.removeReflection(r);
    }
  });
}
