// esbuild's "text" loader (scripts/bundle.mjs): a .tsv file imports as its text.
declare module "*.tsv" {
  const text: string;
  export default text;
}
