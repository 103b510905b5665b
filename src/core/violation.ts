/** One broken invariant, as data. */
export interface Violation {
  message: string;
  /** Where in the image, or which object: 'ring slot 17', 'pfn 0x1200', 'actor 3'. */
  where?: string;
}
