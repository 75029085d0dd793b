// esbuild inlines shaders/*.wgsl as text (loader "text" in scripts/build.js).
declare module '*.wgsl' {
  const source: string;
  export default source;
}
