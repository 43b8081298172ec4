// opencc-js ships its dictionaries as ESM modules exporting one "from to|from to" string, untyped.
declare module 'opencc-js/dict/*' {
  const dictionary: string;
  export default dictionary;
}
