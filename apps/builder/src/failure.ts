/** A build that failed because of the app or its settings: reported to the pusher, not retried. */
export class BuildFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildFailure';
  }
}
