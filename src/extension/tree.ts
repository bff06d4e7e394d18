// The Missed Blocks tree (view `missedBlocks.tree`): model/treeModel.ts decides what it shows;
// this turns those nodes into TreeItems. Tooltips are plain strings — text from a log is never
// rendered as markdown or HTML.
import * as vscode from 'vscode';
import { Disposable } from './disposable';
import type { Fleet } from './fleet/fleet';
import { fleetNode } from './model/fleetModel';
import { probeTimed } from './hostProbe';
import { buildTree, type TreeNode } from './model/treeModel';
import type { Trust } from './trust';
import type { ViewState } from './viewState';

export const TREE_VIEW_ID = 'missedBlocks.tree';

export class MissedBlocksTree extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private roots: TreeNode[] | undefined;
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<TreeNode>;

  constructor(
    private readonly state: ViewState,
    private readonly trust: Trust,
    private readonly fleet?: Fleet,
  ) {
    super();
    if (fleet) this.register(fleet.onDidChange(() => this.refresh()));
    this.view = this.register(vscode.window.createTreeView(TREE_VIEW_ID, { treeDataProvider: this, showCollapseAll: true }));
    this.register(state.onDidChange(() => this.refresh()));
    this.register(trust.onDidChange(() => this.refresh()));
    // The first look at the view is what starts the search for logs.
    void state.ensureStarted();
  }

  refresh(): void {
    this.roots = undefined;
    this.changed.fire();
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (node) return node.children ?? [];
    this.roots ??= probeTimed('tree-build', () => this.build());
    return this.roots;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = new vscode.TreeItem(
      node.label,
      node.state === 'expanded'
        ? vscode.TreeItemCollapsibleState.Expanded
        : node.state === 'collapsed'
          ? vscode.TreeItemCollapsibleState.Collapsed
          : vscode.TreeItemCollapsibleState.None,
    );
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.accessibilityInformation = { label: node.ariaLabel };
    item.contextValue = node.contextValue;
    if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
    if (node.open) {
      const line = node.open.line;
      const options: vscode.TextDocumentShowOptions = { preview: true };
      if (line !== undefined) options.selection = new vscode.Range(line - 1, 0, line - 1, 0);
      item.command = { command: 'vscode.open', title: 'Open Log', arguments: [vscode.Uri.file(node.open.file), options] };
    }
    return item;
  }

  private build(): TreeNode[] {
    const s = this.state.settings;
    const roots = buildTree(this.state.logs(), {
      alertThreshold: s.monitoring.alertThreshold,
      restricted: !this.trust.trusted,
      time: { locale: vscode.env.language },
    });
    // The shared store's monitors, side by side, after this workspace's own logs.
    const fleet = this.fleet?.state;
    if (fleet) roots.push(fleetNode(fleet, { time: { locale: vscode.env.language } }));
    const primary = this.state.primary();
    this.view.badge = primary && primary.summary.current > 0
      ? { value: primary.summary.current, tooltip: `Current streak: ${primary.summary.current} missed` }
      : undefined;
    return roots;
  }
}
