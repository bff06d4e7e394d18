// How a BeaconSource feeds a MonitorService: its drafts become the monitor's records (stamped,
// logged, alerted and counted with the others), its state is the service's 'beacon' event, and
// when the beacon node is followed alone its up/down is the service's own status.
import type { EventEmitter } from 'node:events';
import type { BlockMonitor } from '../../core/monitor';
import type { BeaconSource } from './beaconSource';

export function wireBeacon(beacon: BeaconSource, svc: EventEmitter, monitor: BlockMonitor, alone: boolean, onHead?: (n: number, slotTime: number) => void): void {
  beacon.on('drafts', (drafts) => monitor.addDrafts(drafts));
  // Alone, the beacon node's head is the chain's: a streak ends when the chain moves past it.
  if (alone)
    beacon.on('head', (n, slotTime) => {
      monitor.noteOutsideHead(n);
      onHead?.(n, slotTime);
    });
  beacon.on('warning', (m) => svc.emit('warning', m));
  beacon.on('status', (s) => {
    svc.emit('beacon', s);
    if (!alone) return;
    if (s.state === 'down') svc.emit('status', { state: 'down', reason: s.reason, message: s.message });
    else if (s.state === 'up') svc.emit('status', { state: 'up' });
  });
}
