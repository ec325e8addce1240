"use strict";
/*
 * Node.js preload for jsii's kernel (`node --require`, passed through NODE_OPTIONS by
 * constructs_luneo/support/runtime.py): requiring @cdktf/provider-aws's lib/index.js would load all of
 * its ~2,100 submodules; this turns each `exports.x = require("./x");` line of that file into a
 * memoized getter, so a submodule loads when the kernel first walks to it. The file on disk is
 * not changed. Any other shape of the file, or LUNEO_EAGER_PROVIDER=1, leaves Node's loader
 * alone. docs/PERFORMANCE.md explains why this is safe.
 */
const fs = require("fs");
const path = require("path");
const Module = require("module");

const PACKAGE = "@cdktf/provider-aws";
const IDENT = "[A-Za-z_$][\\w$]*";
const EXPORT_LINE = new RegExp(`^exports\\.(${IDENT}) = require\\("(\\./[\\w.-]+)"\\);$`);
const VOID_LINE = new RegExp(`^exports\\.${IDENT}(?: = exports\\.${IDENT})* = void 0;$`);
const HEADER_LINES = new Set(['"use strict";', 'Object.defineProperty(exports, "__esModule", { value: true });']);

/** The entry point of @cdktf/provider-aws, recognized by its package.json (the kernel unpacks it under a temp dir). */
function isProviderEntry(filename) {
  if (path.basename(filename) !== "index.js" || path.basename(path.dirname(filename)) !== "lib") {
    return false;
  }
  const root = path.dirname(path.dirname(filename));
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    return pkg.name === PACKAGE && path.resolve(root, pkg.main || "index.js") === filename;
  } catch {
    return false;
  }
}

/**
 * The lazy plan for the file (initialized names in order, then name -> request), or null when the
 * file has any line that is not a header, a comment, an `= void 0` initializer or an export line.
 */
function planFor(source) {
  const initialized = [];
  const exported = new Map();
  for (const raw of source.replace(/\/\*[\s\S]*?\*\//g, "").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("//") || HEADER_LINES.has(line)) continue;
    const match = EXPORT_LINE.exec(line);
    if (match && !exported.has(match[1])) {
      exported.set(match[1], match[2]);
    } else if (VOID_LINE.test(line)) {
      // `exports.a = exports.b = void 0;` assigns right to left: b is the older key
      const names = line.slice(0, -" = void 0;".length).split(" = ").map((e) => e.slice("exports.".length));
      initialized.push(...names.reverse());
    } else {
      return null;
    }
  }
  const sameNames = initialized.length === exported.size && initialized.every((name) => exported.has(name));
  return exported.size > 0 && sameNames ? { initialized, exported } : null;
}

/** What the compiled file does, with each require deferred to the first read of its export. */
function defineLazily(module, plan, report) {
  const exports = module.exports;
  Object.defineProperty(exports, "__esModule", { value: true });
  for (const name of plan.initialized) exports[name] = undefined; // the compiled file's key order
  for (const [name, request] of plan.exported) {
    const settle = (value) =>
      Object.defineProperty(exports, name, { value, writable: true, enumerable: true, configurable: true });
    Object.defineProperty(exports, name, {
      enumerable: true,
      configurable: true,
      get() {
        const value = module.require(request);
        settle(value);
        report.loaded += 1;
        return value;
      },
      set: settle,
    });
  }
}

/** LUNEO_LAZY_REQUIRE_REPORT=<file>: one JSON line per recognized entry point at exit (tests and bench). */
function reporter(filename) {
  const report = { pid: process.pid, entry: filename, mode: "eager", submodules: 0, loaded: 0 };
  const target = process.env.LUNEO_LAZY_REQUIRE_REPORT;
  if (target) process.on("exit", () => fs.appendFileSync(target, JSON.stringify(report) + "\n"));
  return report;
}

function install() {
  const eager = process.env.LUNEO_EAGER_PROVIDER;
  const original = Module._extensions && Module._extensions[".js"];
  if ((eager && eager !== "0") || typeof original !== "function" || original.luneoLazyProvider) return;

  function loadJs(module, filename) {
    if (isProviderEntry(filename)) {
      const report = reporter(filename);
      const plan = planFor(fs.readFileSync(filename, "utf8"));
      if (plan) {
        Object.assign(report, { mode: "lazy", submodules: plan.exported.size });
        return defineLazily(module, plan, report);
      }
      process.stderr.write(`warning: ${filename} has an unexpected shape; loading ${PACKAGE} eagerly (slower, same output)\n`);
    }
    return original.call(this, module, filename);
  }
  loadJs.luneoLazyProvider = true;
  Module._extensions[".js"] = loadJs;
}

install();
module.exports = { planFor, isProviderEntry };
