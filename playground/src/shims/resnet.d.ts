// .resnet files imported as text by the bundler (esbuild's text loader).
declare module "*.resnet" {
  const text: string;
  export default text;
}
