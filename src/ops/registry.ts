// The op registry: every op family file installs its Tensor methods here, and the registry keeps the
// list of op names (for coverage reports and for tests that enumerate ops).
import { Tensor } from '../tensor';

const registered = new Map<string, string>();   // op name -> family

/** Installs methods on Tensor.prototype for an op family. */
export function defineMethods(family: string, methods: Record<string, (this: Tensor, ...a: any[]) => any>): void {
  for (const [name, fn] of Object.entries(methods)) {
    if (registered.has(name)) throw new Error(`op registry: ${name} is defined twice (${registered.get(name)} and ${family})`);
    registered.set(name, family);
    Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
}

/** Registered op names by family. */
export function registeredOps(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, fam] of registered) (out[fam] ??= []).push(name);
  return out;
}
