/** The part of the WebAssembly JavaScript API used here (the project's lib settings declare none). */
interface WasmValidate {
  validate(bytes: Uint8Array): boolean;
}

/**
 * The smallest module that uses a SIMD instruction: one function `() -> v128` whose body is `v128.const 0`.
 * A runtime whose WebAssembly has no SIMD (fixed-width 128-bit vectors) does not validate it.
 */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: one type, () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, ...new Array<number>(16).fill(0), 0x0b, // code: v128.const 0; end
]);

let available: boolean | undefined;

/**
 * Whether this runtime's WebAssembly has SIMD, which the compiled step's kernels need (checked once per
 * thread by validating a one-instruction module; false where there is no WebAssembly at all).
 */
export function simdAvailable(): boolean {
  if (available !== undefined) return available;
  const api = (globalThis as { WebAssembly?: WasmValidate }).WebAssembly;
  try {
    available = api?.validate(SIMD_PROBE) === true;
  } catch {
    available = false;
  }
  return available;
}
