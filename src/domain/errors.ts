/** A refusal the user should read as is (Chinese text); nothing was written. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}
