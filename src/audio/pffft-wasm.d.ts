// Type declarations for @echogarden/pffft-wasm (the package ships none): an Emscripten module factory.
declare module "@echogarden/pffft-wasm/simd" {
  const factory: (moduleArg?: object) => Promise<unknown>;
  export default factory;
}
declare module "@echogarden/pffft-wasm" {
  const factory: (moduleArg?: object) => Promise<unknown>;
  export default factory;
}
