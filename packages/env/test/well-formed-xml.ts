// A small XML well-formedness checker for tests (no XML parser is installed): one root element,
// balanced and properly nested tags, quoted attributes without duplicates, escaped `<` and `&`.
// Returns the list of problems (empty when the document is well formed) and element counts by name.

export interface XmlCheck {
  problems: string[];
  elements: Map<string, number>;
  root: string | undefined;
}

const NAME = '[A-Za-z_][\\w.:-]*';
const ATTRIBUTE = new RegExp(`\\s+(${NAME})\\s*=\\s*("[^"<]*"|'[^'<]*')`, 'y');
const ENTITY = /&(?:#\d+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);/y;

function checkText(text: string, where: string, problems: string[]): void {
  for (let k = 0; k < text.length; k++) {
    if (text[k] !== '&') continue;
    ENTITY.lastIndex = k;
    if (!ENTITY.test(text)) problems.push(`unescaped & ${where}`);
  }
}

export function checkXml(xml: string): XmlCheck {
  const problems: string[] = [];
  const elements = new Map<string, number>();
  const stack: string[] = [];
  let root: string | undefined;
  let closedRoot = false;
  let k = 0;
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) return { problems: ['unterminated XML declaration'], elements, root };
    k = end + 2;
  }
  while (k < xml.length) {
    const lt = xml.indexOf('<', k);
    const text = xml.slice(k, lt < 0 ? xml.length : lt);
    if (text.trim().length > 0 && stack.length === 0) problems.push(`text outside the root element: ${text.trim().slice(0, 30)}`);
    checkText(text, 'in text', problems);
    if (lt < 0) break;
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt);
      if (end < 0) { problems.push('unterminated comment'); break; }
      k = end + 3;
      continue;
    }
    const gt = xml.indexOf('>', lt);
    if (gt < 0) { problems.push('unterminated tag'); break; }
    const tag = xml.slice(lt + 1, gt);
    k = gt + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open !== name) problems.push(`closing </${name}> does not match <${open ?? 'nothing'}>`);
      if (stack.length === 0) closedRoot = true;
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const nameMatch = new RegExp(`^${NAME}`).exec(body);
    if (!nameMatch) { problems.push(`bad tag <${tag.slice(0, 30)}>`); continue; }
    const name = nameMatch[0];
    let p = name.length;
    const seen = new Set<string>();
    while (p < body.length) {
      if (body.slice(p).trim().length === 0) break;
      ATTRIBUTE.lastIndex = p;
      const m = ATTRIBUTE.exec(body);
      if (!m) { problems.push(`bad attribute syntax in <${name}>: ${body.slice(p, p + 30)}`); break; }
      if (seen.has(m[1])) problems.push(`duplicate attribute ${m[1]} in <${name}>`);
      seen.add(m[1]);
      checkText(m[2], `in attribute ${m[1]}`, problems);
      p = ATTRIBUTE.lastIndex;
    }
    if (stack.length === 0) {
      if (root !== undefined || closedRoot) problems.push(`second root element <${name}>`);
      root = name;
    }
    elements.set(name, (elements.get(name) ?? 0) + 1);
    if (!selfClosing) stack.push(name);
    else if (stack.length === 0) closedRoot = true;
  }
  if (stack.length > 0) problems.push(`unclosed elements: ${stack.join(' > ')}`);
  if (root === undefined) problems.push('no root element');
  return { problems, elements, root };
}
