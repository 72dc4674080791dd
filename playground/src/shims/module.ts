// node:module for the page: nothing can be resolved from disk (package versions are then unknown).
export function createRequire(): NodeRequire {
  const fail = (id: string): never => {
    throw new Error(`cannot require '${id}' in the browser`);
  };
  return Object.assign(fail, { resolve: fail }) as unknown as NodeRequire;
}
