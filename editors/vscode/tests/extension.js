// Checks extension.js against package.json without VS Code: `vscode` and
// `vscode-languageclient/node` are replaced by recording stand-ins, so this
// runs on plain Node with no packages installed.
//
// Usage: node extension.js

'use strict';

const assert = require('assert');
const Module = require('module');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const manifest = require(path.join(root, 'package.json'));

// ---- Stand-ins ---------------------------------------------------------------

const world = {
  settings: {},
  commands: {},
  configListeners: [],
  errors: [],
  clients: [],
  failStart: false,
};

const vscode = {
  workspace: {
    getConfiguration(section) {
      assert.strictEqual(section, 'gati');
      return { get: (key) => world.settings[`gati.${key}`] };
    },
    onDidChangeConfiguration(listener) {
      world.configListeners.push(listener);
      return { dispose() {} };
    },
    createFileSystemWatcher(glob) {
      return { glob, dispose() {} };
    },
  },
  commands: {
    registerCommand(name, handler) {
      world.commands[name] = handler;
      return { dispose() {} };
    },
  },
  window: {
    showErrorMessage(message) {
      world.errors.push(message);
    },
  },
};

class LanguageClient {
  constructor(id, name, serverOptions, clientOptions) {
    Object.assign(this, { id, name, serverOptions, clientOptions, started: false, stopped: false });
    world.clients.push(this);
  }

  async start() {
    if (world.failStart) {
      throw new Error('spawn gatic ENOENT');
    }
    this.started = true;
  }

  async stop() {
    this.stopped = true;
  }
}

const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'vscode') {
    return vscode;
  }
  if (request === 'vscode-languageclient/node') {
    return { LanguageClient };
  }
  return load.call(this, request, parent, isMain);
};

const extension = require(path.join(root, manifest.main));

// ---- Checks ------------------------------------------------------------------

async function changeSetting(key, value) {
  world.settings[key] = value;
  for (const listener of world.configListeners) {
    listener({ affectsConfiguration: (section) => section === key || key.startsWith(`${section}.`) });
  }
  // Let the restart's promises settle.
  await new Promise((resolve) => setImmediate(resolve));
}

async function main() {
  const contributes = manifest.contributes;
  const language = contributes.languages.find((l) => l.id === 'gati');
  assert.ok(language, 'package.json contributes the language `gati`');
  assert.deepStrictEqual(language.extensions, ['.gati']);
  assert.ok(manifest.activationEvents.includes('onLanguage:gati'));
  assert.strictEqual(contributes.configuration.properties['gati.serverPath'].default, 'gatic');

  const context = { subscriptions: [] };
  await extension.activate(context);
  for (const command of contributes.commands) {
    assert.strictEqual(typeof world.commands[command.command], 'function', `${command.command} is registered`);
  }

  // The default: `gatic lsp` over stdio, for `.gati` documents.
  assert.strictEqual(world.clients.length, 1);
  const first = world.clients[0];
  assert.ok(first.started, 'the client starts on activation');
  assert.deepStrictEqual(first.serverOptions.run, { command: 'gatic', args: ['lsp'] });
  assert.deepStrictEqual(first.serverOptions.debug, first.serverOptions.run);
  assert.ok(!('transport' in first.serverOptions.run), 'no transport: the client would add --stdio');
  assert.deepStrictEqual(
    first.clientOptions.documentSelector.map((s) => s.language),
    ['gati', 'gati'],
  );
  assert.strictEqual(first.clientOptions.synchronize.fileEvents.glob, '**/*.gati');

  // A new `gati.serverPath` restarts the server with it; `~` is the home folder.
  await changeSetting('gati.serverPath', '~/bin/gatic');
  assert.ok(first.stopped, 'the old client stops');
  const second = world.clients[1];
  assert.ok(second && second.started, 'a new client starts');
  assert.deepStrictEqual(second.serverOptions.run, {
    command: path.join(os.homedir(), 'bin/gatic'),
    args: ['lsp'],
  });

  // Another setting changes nothing.
  await changeSetting('editor.tabSize', 4);
  assert.strictEqual(world.clients.length, 2);

  // A server that cannot start is reported, naming the setting.
  world.failStart = true;
  await world.commands['gati.restartServer']();
  assert.strictEqual(world.errors.length, 1);
  assert.match(world.errors[0], /gati\.serverPath/);
  assert.match(world.errors[0], /bin\/gatic lsp/);
  world.failStart = false;

  // A blank setting falls back to `gatic`.
  await changeSetting('gati.serverPath', '  ');
  const last = world.clients[world.clients.length - 1];
  assert.strictEqual(last.serverOptions.run.command, 'gatic');

  await extension.deactivate();
  assert.ok(last.stopped, 'deactivate stops the client');
  console.log('extension.js: every check passed');
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
