// node:worker_threads for the kernels in the page: the page is the main thread.
export const isMainThread = true;
