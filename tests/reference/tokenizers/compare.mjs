// Compares fathom-cli's token ids with the reference tokenizer (@lenml/tokenizers, a transformers.js fork)
// on the committed corpus plus seeded random mixtures. Exits 1 on the first differing string, printing where.
// usage: node compare.mjs --cli PATH/fathom-cli --tokenizer tokenizer.json [--corpus corpus.jsonl] [--random N]
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const cli = flag("--cli");
const tokenizerPath = flag("--tokenizer");
const corpusPath = flag("--corpus", path.join(here, "corpus.jsonl"));
const randomCount = Number(flag("--random", "400"));
const textsDir = flag("--texts-dir");  // optional: every *.txt in it is compared too (e.g. the chat prompts)
if (!cli || !tokenizerPath) {
  console.error("usage: node compare.mjs --cli PATH/fathom-cli --tokenizer tokenizer.json [--corpus F] [--random N]");
  process.exit(2);
}

let TokenizerLoader;
try {
  ({ TokenizerLoader } = await import("@lenml/tokenizers"));
} catch (e) {
  console.error(`FAIL: cannot load the reference package @lenml/tokenizers (${e.message}).`);
  console.error(`Run "npm ci" in ${here} (scripts/setup-debian.sh does it).`);
  process.exit(1);
}

// Seeded random strings: fragments and single characters from many classes, glued without separators so
// that the split boundaries (digits, CJK runs, punctuation, whitespace runs) meet in every combination.
function mulberry32(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const fragments = [
  " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", " \n", "\t\n ", "\u00a0", "\u3000",
  "the", " the", "The", " quick", "fox", "'s", "'ll", "n't", "API", "camelCase", "_x", "-y", ".z", "$var", "#tag",
  "0", "7", "42", "123", "2024", "99999", "3.14", "1,000", "½", "²", "٣", "१",
  "中文", "漢字", "你好", "ひらがな", "カタカナ", "ー", "・", "、", "。", "，", "！", "한국어", "русский", "ελληνικά", "עברית", "عربي", "हिन्दी", "ไทย",
  "é", "e\u0301", "\u0301", "\u0308", "ñ", "ß", "Å",
  "😀", "👍🏽", "👨‍👩‍👧", "🏳️‍🌈", "❤️", "🇫🇷", "\u200d", "\ufe0f",
  "!", "?", ".", ",", ";", ":", "(", ")", "[", "]", "{", "}", "<", ">", "/", "\\", "\"", "'", "`", "~", "@", "#", "$", "%", "^", "&", "*", "+", "=", "|", "-", "_",
  "...", "->", "=>", "::", "!=", "<=", "//", "/*", "*/", "{}", "()", "[]", "\"\"",
  "€", "£", "©", "™", "∑", "∞", "≈", "→", "★", "♪", "「", "」", "“", "”", "—", "–", "…",
  "<｜User｜>", "<｜Assistant｜>", "<think>", "</think>", "<｜end▁of▁sentence｜>", "｜DSML｜", "<｜latest_reminder｜>", "<dsml:", "<｜", "｜>", "<thi",
];
// The engine's category table comes from Python's unicodedata, whose Unicode version may be older than
// node's: characters assigned since then are classed differently by design. They are counted and left out
// of the random draws (the engine treats them like unassigned characters).
function tableDifferences() {
  const source = fs.readFileSync(path.join(here, "../../../engine/tokenizer/unicode_tables.cpp"), "utf8");
  const version = /kUnicodeVersion = "([^"]+)"/.exec(source)[1];
  const group = new Uint8Array(0x110000);
  for (const m of source.matchAll(/\{0x([0-9A-F]+), 0x([0-9A-F]+), (\d)\}/g)) {
    group.fill(Number(m[3]), parseInt(m[1], 16), parseInt(m[2], 16) + 1);
  }
  const classes = [/\p{L}/u, /\p{M}/u, /\p{N}/u, /\p{P}/u, /\p{S}/u];
  const differing = new Set();
  let reclassified = 0;
  for (let cp = 0; cp < 0x110000; ++cp) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const ch = String.fromCodePoint(cp);
    let g = 0;
    for (let k = 0; k < classes.length; ++k) if (classes[k].test(ch)) { g = k + 1; break; }
    if (g !== group[cp]) {
      differing.add(cp);
      if (group[cp] !== 0) ++reclassified;
    }
  }
  console.log(`unicode: table ${version}, node ${process.versions.unicode}: ${differing.size} code points ` +
              `classed differently (${reclassified} of them assigned in the table's version)`);
  return differing;
}
const differing = tableDifferences();
function randomCodePoint(rand) {
  // Any scalar value of the BMP and the first supplementary planes (no surrogates).
  for (;;) {
    const cp = Math.floor(rand() * 0x30000);
    if ((cp >= 0xd800 && cp <= 0xdfff) || differing.has(cp)) continue;
    return String.fromCodePoint(cp);
  }
}
function randomStrings(count) {
  const rand = mulberry32(20260223);
  const out = [];
  for (let n = 0; n < count; ++n) {
    let s = "";
    const parts = 1 + Math.floor(rand() * 40);
    for (let p = 0; p < parts; ++p) {
      s += rand() < 0.15 ? randomCodePoint(rand) : fragments[Math.floor(rand() * fragments.length)];
    }
    out.push(s);
  }
  return out;
}

const corpus = fs
  .readFileSync(corpusPath, "utf8")
  .split("\n")
  .filter((line) => line.length > 0)
  .map((line) => JSON.parse(line));
if (textsDir) {
  for (const name of fs.readdirSync(textsDir).sort()) {
    if (name.endsWith(".txt")) corpus.push(fs.readFileSync(path.join(textsDir, name), "utf8"));
  }
}
const texts = [...corpus, ...randomStrings(randomCount)];

const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(fs.readFileSync(tokenizerPath, "utf8")),
  tokenizerConfig: {},
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fathom-tok-"));
const linesPath = path.join(tmp, "texts.jsonl");
fs.writeFileSync(linesPath, texts.map((t) => JSON.stringify(t)).join("\n") + "\n");
let output;
try {
  output = execFileSync(cli, ["tokenize", "--tokenizer", tokenizerPath, "--lines", linesPath], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
} catch (e) {
  console.error(`FAIL: ${cli} tokenize failed: ${e.message}`);
  process.exit(1);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
const ours = output.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l));
if (ours.length !== texts.length) {
  console.error(`FAIL: fathom-cli printed ${ours.length} arrays for ${texts.length} texts`);
  process.exit(1);
}

const show = (ids) => ids.map((id) => `${id}:${JSON.stringify(tokenizer.decode([id]))}`).join(" ");
let tokens = 0;
for (let i = 0; i < texts.length; ++i) {
  const ref = tokenizer.encode(texts[i], { add_special_tokens: false });
  const got = ours[i];
  tokens += ref.length;
  let at = 0;
  while (at < ref.length && at < got.length && ref[at] === got[at]) ++at;
  if (at === ref.length && at === got.length) continue;
  const origin = i < corpus.length ? `corpus text ${i + 1}` : `random string ${i - corpus.length}`;
  console.error(`FAIL: ${origin}: first difference at token ${at} (reference ${ref.length} tokens, fathom ${got.length})`);
  console.error(`  text:      ${JSON.stringify(texts[i])}`);
  console.error(`  reference: ...${show(ref.slice(Math.max(0, at - 3), at + 5))}`);
  console.error(`  fathom:    ...${show(got.slice(Math.max(0, at - 3), at + 5))}`);
  process.exit(1);
}
console.log(`OK: ${texts.length} texts (${corpus.length} corpus and prompt texts + ${randomCount} random), ${tokens} tokens, identical ids`);
