// The breaking-change guard for schema.graphql, run by .ci/run.
//
// Every commit since the guard was introduced that changed schema.graphql is compared with its
// parent by graphql-inspector's diff (@graphql-inspector/core). A change it rates BREAKING
// (a removed type, field, argument or enum value, a changed type, a new required argument or
// input field, ...) fails the run unless that commit's message carries the trailer
//
//     Breaking-Schema: <why, and what clients must change>
//
// DANGEROUS changes (a new enum value, a new optional argument with a default, ...) are listed
// but pass. An uncommitted schema.graphql is compared with HEAD and reported as advice.
//
// Usage: node tools/graphql-clients/schema-guard.mjs [repository directory]

import { execFileSync } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { buildSchema } from "graphql";
import { diff, CriticalityLevel } from "@graphql-inspector/core";

const repo = process.argv[2] ?? process.cwd();
const SCHEMA = "schema.graphql";
const GUARD = "tools/graphql-clients/schema-guard.mjs";
const TRAILER = /^Breaking-Schema:\s*\S/im;

function git(...args) {
  return execFileSync("git", ["-C", repo, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 << 20,
  });
}

function tryGit(...args) {
  try {
    return git(...args);
  } catch {
    return null;
  }
}

/** The SDL of schema.graphql at `rev`, or null when that commit has none. */
function schemaAt(rev) {
  return tryGit("show", `${rev}:${SCHEMA}`);
}

async function changes(oldSdl, newSdl) {
  const all = await diff(buildSchema(oldSdl), buildSchema(newSdl));
  const of = (level) => all.filter((c) => c.criticality.level === level);
  return { breaking: of(CriticalityLevel.Breaking), dangerous: of(CriticalityLevel.Dangerous) };
}

function list(title, items) {
  console.log(`  ${title}:`);
  for (const c of items) {
    console.log(`    - ${c.message}`);
  }
}

if (tryGit("rev-parse", "--is-shallow-repository")?.trim() === "true") {
  console.error("schema guard: the clone is shallow; it needs the history (git fetch --unshallow)");
  process.exit(1);
}

// The oldest commit that has the guard: commits before it were made without it.
const introduced = (git("log", "--diff-filter=A", "--format=%H", "--", GUARD).trim().split("\n").pop() ?? "").trim();
let commits = ["HEAD"];
if (introduced) {
  const base = tryGit("rev-parse", "--verify", "--quiet", `${introduced}^`)?.trim();
  commits = git("rev-list", base ? `${base}..HEAD` : "HEAD", "--", SCHEMA).split("\n").filter(Boolean);
}

let failed = 0;
let checked = 0;
for (const commit of commits) {
  const before = schemaAt(`${commit}^`);
  const after = schemaAt(commit);
  if (before === null || after === null) continue;
  checked += 1;
  const { breaking, dangerous } = await changes(before, after);
  const subject = git("log", "-1", "--format=%h %s", commit).trim();
  if (breaking.length === 0 && dangerous.length === 0) continue;
  const marked = TRAILER.test(git("log", "-1", "--format=%B", commit));
  if (breaking.length > 0 && !marked) {
    failed += 1;
    console.log(`BREAKING  ${subject}`);
    list("breaking changes", breaking);
  } else if (breaking.length > 0) {
    console.log(`intended  ${subject} (Breaking-Schema trailer)`);
    list("breaking changes", breaking);
  } else {
    console.log(`ok        ${subject}`);
  }
  if (dangerous.length > 0) list("dangerous changes (clients may need a look)", dangerous);
}

// Advice on an uncommitted schema.
const file = join(repo, SCHEMA);
const head = schemaAt("HEAD");
if (existsSync(file) && head !== null) {
  const working = readFileSync(file, "utf8");
  if (working !== head) {
    const { breaking } = await changes(head, working);
    if (breaking.length > 0) {
      console.log("uncommitted schema.graphql breaks clients; commit it with a Breaking-Schema: trailer if intended");
      list("breaking changes", breaking);
    }
  }
}

console.log(`schema guard: ${checked} schema change(s) checked, ${failed} unmarked breaking`);
process.exit(failed > 0 ? 1 : 0);
