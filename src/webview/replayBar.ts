// Replay controls: pause/resume, speed, stop (back to the live log).
import { REPLAY_SPEEDS, type ReplayAction, type ReplayStatus } from '../common/protocol';
import { byId, el } from './dom';
import { num, when } from './format';

const speedName = (s: number) => (s === 0 ? 'max' : `${s}×`);

export class ReplayBar {
  private status: ReplayStatus | undefined;

  constructor(private readonly send: (a: ReplayAction) => void) {
    const select = byId<HTMLSelectElement>('replay-speed');
    for (const s of REPLAY_SPEEDS) select.appendChild(el('option', { text: speedName(s), attrs: { value: String(s) } }));
    select.addEventListener('change', () => this.send({ action: 'speed', speed: Number(select.value) }));
    byId('replay-toggle').addEventListener('click', () => this.send({ action: this.status?.state === 'paused' ? 'resume' : 'pause' }));
    byId('replay-stop').addEventListener('click', () => this.send({ action: 'stop' }));
  }

  show(on: boolean): void {
    byId('replay').hidden = !on;
  }

  update(s: ReplayStatus): void {
    this.status = s;
    byId('replay-toggle').textContent = s.state === 'paused' ? 'Resume' : 'Pause';
    (byId('replay-toggle') as HTMLButtonElement).disabled = s.state === 'done' || s.state === 'failed';
    byId<HTMLSelectElement>('replay-speed').value = String(s.speed);
    const at = s.at === null ? '' : ` · log time ${when(s.at)}`;
    byId('replay-info').textContent = `${s.state} · ${num(s.played)} lines played${at}${s.message ? ` · ${s.message}` : ''}`;
  }
}
