/**
 * Keeping the C heap from handing memory back to the kernel between onnxruntime runs.
 *
 * onnxruntime-node returns every output of every run as a new JavaScript array holding a copy, also the outputs
 * onnxruntime has already written into the caller's preallocated tensors. On a 21 000-row evaluation batch of a
 * 21-float state that is 1.7 MB per step, taken with calloc and released when V8 collects the arrays, several
 * steps' worth at once. glibc's malloc gives the top of its heap back to the kernel once more than its trim
 * threshold lies free there: twice its mmap threshold, which starts at 128 KiB and, documented in mallopt(3),
 * rises to the size of any larger freed block that had been mmap'ed, up to 32 MiB. With the threshold at
 * ~0.7 MB (the largest output) a collection frees more than the 1.4 MB trim threshold, the heap shrinks, and
 * the next steps fault every page of their copies in again: on this project's machine ~430 page faults per
 * step, a step of the General FC sweep 5.5 ms instead of 0.9 ms, in stretches of 10–20 steps.
 *
 * One block just under the 32 MiB ceiling, allocated and dropped, raises the mmap threshold to its size and the
 * trim threshold to twice that when it is freed (V8 frees it at its next collection). From then on blocks under
 * 32 MiB come from the heap, and up to 64 MiB of free heap stays mapped for reuse. The block itself is never
 * touched, so it costs no resident memory. Only the speed changes: no result depends on it. The environment
 * variable `PRNN_MALLOC_THRESHOLDS=off` leaves glibc's defaults (to compare, or where the retained free heap,
 * up to 64 MiB per process, matters more than the page faults).
 */

/** The block's size: below glibc's 32 MiB ceiling for the dynamic threshold with its chunk header. */
export const MALLOC_THRESHOLD_BLOCK_BYTES = 32 * 1024 * 1024 - 64 * 1024;

let raised = false;

/**
 * Raises glibc malloc's mmap and trim thresholds for this process (see the module comment), once per thread;
 * true when this call allocated the block, false when it had already been done, the platform is not Linux or
 * `PRNN_MALLOC_THRESHOLDS=off`.
 * Called by the engines that run onnxruntime-node sessions (OnnxPolicy, WeightFedPolicy and the analysis'
 * float64 sessions) before their first run.
 */
export function raiseMallocThresholds(): boolean {
  if (raised || process.platform !== 'linux' || process.env.PRNN_MALLOC_THRESHOLDS === 'off') return false;
  raised = true;
  // allocated (calloc: mmap'ed, above the current threshold) and dropped at once; V8 frees it at its next collection
  void new ArrayBuffer(MALLOC_THRESHOLD_BLOCK_BYTES);
  return true;
}
