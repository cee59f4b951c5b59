// The step compiler: a family's traced step lowered to scalar programs, compiled to WebAssembly SIMD
// population kernels with a vector-Jacobian product (docs/guides/step-compiler.md).
export { OP, ProgramBuilder, activeReferences, programKey, type StepProgram, type ProgramInputs, type OpCode } from './program.js';
export { COMPILED_KERNELS, UnsupportedStepError, lowerStep, type LoweringLayout } from './lower.js';
export { LANES, SLOT, interpretedKernel, type StepKernel } from './step-kernel.js';
export { EMITTER_VERSION, ROLL_ABOVE, emitWasm, type EmitOptions } from './wasm-emit.js';
export { ROLL_DEFAULTS, type RollOptions } from './wasm-roll.js';
export { COMPILE_CACHE_ENV, clearCompileMemoryCache, compileCacheDir, compileStep, compilerStats, programHash, type StepEngine } from './compile.js';
export { COMPILED_PATH, COMPILE_GATE_ENV, COMPILE_PARAMETER_LIMIT, CompiledPopulation, compiledMemoryEstimate, type CompiledMemoryEstimate } from './compiled-population.js';
export { simdAvailable } from './simd-support.js';
export { compiledMemoryBytes, compiledPopulationKernel, createCompiledPopulation, withCompiledPath } from './kernel.js';
export { JACOBIAN_EMITTER_VERSION, ProgramJacobian, compileJacobian, emitJacobianSource, isJacobianCompiled, type CompiledJacobian, type JacobianEngine, type JacobianSource } from './jacobian-emit.js';
export { JACOBIAN_WASM_VERSION, emitJacobianWasm } from './jacobian-wasm.js';
export { COMPILED_JACOBIAN, OWN_PROGRAM_AFTER, compiledJacobianKernel, jacobianNetwork, jacobianProgram, programParameters, withCompiledJacobian, type JacobianEmbedding, type JacobianNetwork } from './jacobian-kernel.js';
