// A small, strict XML parser for the specs: checks that an SVG document is well-formed (one root,
// balanced and properly nested tags, quoted attributes, no duplicate attributes, only the five
// predefined entities or numeric references, no raw < or & in text) and returns its element tree.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (entities decoded), children's text left out. */
  text: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*/;
const ENTITY = /^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/;

function decode(s: string, where: string): string {
  let out = "";
  for (let i = 0; i < s.length;) {
    const c = s[i]!;
    if (c === "<") throw new Error(`raw '<' in ${where}`);
    if (c === "&") {
      const m = ENTITY.exec(s.slice(i));
      if (!m) throw new Error(`bad entity in ${where}: ${s.slice(i, i + 12)}`);
      const e = m[1]!;
      out +=
        e === "amp"
          ? "&"
          : e === "lt"
            ? "<"
            : e === "gt"
              ? ">"
              : e === "quot"
                ? '"'
                : e === "apos"
                  ? "'"
                  : String.fromCodePoint(
                      e.startsWith("#x") ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10),
                    );
      i += m[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

export function parseXml(src: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const line = () => src.slice(0, i).split("\n").length;
  const fail = (msg: string): never => {
    throw new Error(`XML error at line ${line()}: ${msg}`);
  };
  while (i < src.length) {
    if (src.startsWith("<?", i)) {
      const end = src.indexOf("?>", i);
      if (end < 0 || root !== null || stack.length) fail("misplaced or unterminated <?...?>");
      i = end + 2;
      continue;
    }
    if (src.startsWith("<!--", i)) {
      const end = src.indexOf("-->", i);
      if (end < 0) fail("unterminated comment");
      i = end + 3;
      continue;
    }
    if (src.startsWith("</", i)) {
      const m = NAME.exec(src.slice(i + 2));
      if (!m) fail("bad closing tag");
      const name = m![0];
      let j = i + 2 + name.length;
      while (/\s/.test(src[j] ?? "")) j++;
      if (src[j] !== ">") fail(`bad closing tag </${name}`);
      const open = stack.pop();
      if (!open) fail(`closing tag </${name}> without an open element`);
      if (open!.name !== name) fail(`</${name}> closes <${open!.name}>`);
      i = j + 1;
      continue;
    }
    if (src[i] === "<") {
      const m = NAME.exec(src.slice(i + 1));
      if (!m) fail("bad tag name");
      const el: XmlElement = { name: m![0], attrs: {}, children: [], text: "" };
      let j = i + 1 + el.name.length;
      for (;;) {
        const ws = /^\s*/.exec(src.slice(j))![0].length;
        j += ws;
        if (src.startsWith("/>", j) || src[j] === ">") break;
        if (ws === 0) fail(`attributes of <${el.name}> must be separated by spaces`);
        const a = NAME.exec(src.slice(j));
        if (!a) fail(`bad attribute in <${el.name}>`);
        j += a![0].length;
        if (src[j] !== "=") fail(`attribute ${a![0]} of <${el.name}> has no value`);
        const q = src[j + 1];
        if (q !== '"' && q !== "'") fail(`attribute ${a![0]} of <${el.name}> is not quoted`);
        const end = src.indexOf(q!, j + 2);
        if (end < 0) fail(`unterminated attribute ${a![0]}`);
        if (a![0] in el.attrs) fail(`duplicate attribute ${a![0]} in <${el.name}>`);
        el.attrs[a![0]] = decode(src.slice(j + 2, end), `attribute ${a![0]} of <${el.name}>`);
        j = end + 1;
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root !== null) fail("more than one root element");
      else root = el;
      if (src.startsWith("/>", j)) i = j + 2;
      else {
        stack.push(el);
        i = j + 1;
      }
      continue;
    }
    const next = src.indexOf("<", i);
    const chunk = src.slice(i, next < 0 ? src.length : next);
    const top = stack[stack.length - 1];
    if (!top) {
      if (chunk.trim() !== "") fail("text outside the root element");
    } else top.text += decode(chunk, `the text of <${top.name}>`);
    i = next < 0 ? src.length : next;
  }
  if (stack.length) fail(`<${stack[stack.length - 1]!.name}> is never closed`);
  if (root === null) fail("no root element");
  return root!;
}

/** Every element below (and including) `el`, depth first. */
export function allElements(el: XmlElement): XmlElement[] {
  return [el, ...el.children.flatMap(allElements)];
}

/** Elements whose class attribute contains every class in `classes` (space-separated). */
export function byClass(el: XmlElement, classes: string): XmlElement[] {
  const want = classes.split(/\s+/);
  return allElements(el).filter((e) => {
    const have = (e.attrs.class ?? "").split(/\s+/);
    return want.every((c) => have.includes(c));
  });
}

/** The text of an element and all its descendants. */
export function deepText(el: XmlElement): string {
  return el.text + el.children.map(deepText).join("");
}
