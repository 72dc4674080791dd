/** A backend that was asked for by name cannot be used; the message says why and how to fix it. */
export class BackendError extends Error {
  constructor(
    message: string,
    /** The backend that was requested ("gpu", "node", ...). */
    readonly backend: string,
  ) {
    super(message);
    this.name = "BackendError";
  }
}
