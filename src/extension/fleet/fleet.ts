// The fleet: the shared PostgreSQL store that several monitors write to, shown as a
// "Fleet" node in the tree and as a dashboard. Its URL carries the database password, so it lives
// in SecretStorage; nothing connects in Restricted Mode (a workspace could otherwise make the
// editor dial any host). The driver and the store code load only once a URL is set.
import * as vscode from 'vscode';
import { parsePostgresUrl } from '../../core/config';
import { Disposable } from '../disposable';
import type { ExtensionSettings } from '../model/settings';
import type { Secrets } from '../secrets';
import type { Trust } from '../trust';
import type { FleetPoller, FleetState } from './fleetPoller';

export const FLEET_COMMANDS = {
  set: 'missedBlocks.setFleetDatabase',
  refresh: 'missedBlocks.refreshFleet',
  openDashboard: 'missedBlocks.openFleetDashboard',
} as const;

export class Fleet extends Disposable {
  private poller: FleetPoller | undefined;
  private url: string | undefined;
  private generation = 0;
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly secrets: Secrets,
    private readonly trust: Trust,
    private readonly log: vscode.LogOutputChannel,
    private readonly settings: () => ExtensionSettings,
  ) {
    super();
    this.register(secrets.onFleetUrlChange(() => void this.restart()));
    this.register(trust.onDidChange(() => void this.restart()));
    this.register({ dispose: () => void this.poller?.stop() });
    void this.restart();
  }

  /** What the tree shows: nothing without a URL, 'restricted' when untrusted, else the poller's state. */
  get state(): FleetState | 'restricted' | undefined {
    if (!this.url) return undefined;
    if (!this.trust.trusted) return 'restricted';
    return this.poller?.state ?? { status: 'connecting', where: '' };
  }

  /** The store's URL when it may be used (set, and the workspace trusted). */
  async usableUrl(): Promise<string | undefined> {
    if (!this.trust.trusted) return undefined;
    return (await this.secrets.fleetUrl()) || undefined;
  }

  refresh(): Promise<void> {
    return this.poller?.refresh() ?? this.restart();
  }

  /** Ask for the URL (checked before it is kept), or clear it with an empty answer. */
  async setUrl(): Promise<void> {
    const had = Boolean(await this.secrets.fleetUrl());
    const value = await vscode.window.showInputBox({
      title: 'Fleet database (PostgreSQL)',
      prompt: had ? 'A new URL replaces the stored one; leave empty to forget it.' : 'postgres://user:password@host:5432/database — kept in the editor\'s secret storage, never in settings.',
      placeHolder: 'postgres://mbm:secret@127.0.0.1:5432/mbm',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' ? undefined : urlProblem(v.trim())),
    });
    if (value === undefined) return;
    await this.secrets.storeFleetUrl(value.trim() || undefined);
    void vscode.window.showInformationMessage(value.trim() ? 'Missed Blocks: fleet database set; the Fleet node shows every monitor writing to it.' : 'Missed Blocks: fleet database forgotten.');
    await this.restart();
  }

  private async restart(): Promise<void> {
    const gen = ++this.generation;
    const old = this.poller;
    this.poller = undefined;
    await old?.stop();
    const url = (await this.secrets.fleetUrl()) || undefined;
    if (gen !== this.generation || this.isDisposed) return;
    this.url = url;
    if (!url || !this.trust.trusted) {
      this.changed.fire();
      return;
    }
    const [{ FleetPoller }, { describePostgresUrl }] = await Promise.all([import('./fleetPoller.ts'), import('../../node/store/connect.ts')]);
    if (gen !== this.generation || this.isDisposed) return;
    const where = describePostgresUrl(url);
    this.log.info(`fleet: reading the shared store ${where}`);
    let lastError: string | undefined;
    this.poller = new FleetPoller({
      url,
      where,
      intervalMs: this.settings().fleet.refreshSeconds * 1000,
      onChange: (s) => {
        // The password never reaches the log: describePgError and describePostgresUrl leave it out.
        if (s.status === 'error' && s.error !== lastError) this.log.warn(`fleet: ${where}: ${s.error}`);
        lastError = s.status === 'error' ? s.error : undefined;
        this.changed.fire();
      },
    });
    this.changed.fire();
    await this.poller.start();
  }
}

/** The config's own check, so the editor and `[storage] postgres_url` accept the same URLs. */
function urlProblem(v: string): string | undefined {
  try {
    parsePostgresUrl('URL', v);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
