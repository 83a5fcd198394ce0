// The VS Code extension for `.gati` files. The grammar and the language
// configuration come from package.json; this file starts the language
// server, `gatic lsp`, which speaks LSP over its stdin and stdout.
//
// Plain JavaScript with no build step: VS Code loads it as it is, and
// `vscode-languageclient` is its one dependency.

'use strict';

const os = require('os');
const path = require('path');
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

/** The running client, while there is one. */
let client;

/** Every `.gati` file of the workspace, watched for the server. */
let watcher;

/**
 * The command to run: the `gati.serverPath` setting, else `gatic` on PATH.
 * A leading `~` stands for the home folder, as in a shell.
 */
function serverCommand() {
  const setting = vscode.workspace.getConfiguration('gati').get('serverPath');
  const command = typeof setting === 'string' && setting.trim() !== '' ? setting.trim() : 'gatic';
  if (command === '~' || command.startsWith('~/')) {
    return path.join(os.homedir(), command.slice(1));
  }
  return command;
}

/**
 * How to start the server: `<command> lsp`, over stdio. No `transport` is
 * given on purpose: with `TransportKind.stdio` the client would append
 * `--stdio` to the arguments, which `gatic lsp` does not take.
 */
function serverOptions(command) {
  const executable = { command, args: ['lsp'] };
  return { run: executable, debug: executable };
}

/** The client for `.gati` documents, on disk and unsaved. */
function createClient(command) {
  return new LanguageClient('gati', 'Gati', serverOptions(command), {
    documentSelector: [
      { scheme: 'file', language: 'gati' },
      { scheme: 'untitled', language: 'gati' },
    ],
    // A spec `use`s other files: the server hears when any of them changes.
    synchronize: { fileEvents: watcher },
  });
}

/** Starts the server; a failure is shown once, with the setting to fix. */
async function start() {
  const command = serverCommand();
  client = createClient(command);
  try {
    await client.start();
  } catch (error) {
    const reason = error && error.message ? error.message : String(error);
    client = undefined;
    vscode.window.showErrorMessage(
      `Gati: could not start the language server with "${command} lsp" (${reason}). ` +
        'Install gatic (cargo install --path compiler/cli) or set "gati.serverPath".',
    );
  }
}

/** Stops the server, if it runs. */
async function stop() {
  const running = client;
  client = undefined;
  if (running) {
    await running.stop();
  }
}

async function restart() {
  await stop();
  await start();
}

/** Called by VS Code when the first `.gati` file opens. */
async function activate(context) {
  watcher = vscode.workspace.createFileSystemWatcher('**/*.gati');
  context.subscriptions.push(
    watcher,
    vscode.commands.registerCommand('gati.restartServer', restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('gati.serverPath')) {
        restart();
      }
    }),
  );
  await start();
}

/** Called by VS Code on shutdown: the server gets to exit cleanly. */
function deactivate() {
  return stop();
}

module.exports = { activate, deactivate, serverCommand, serverOptions };
