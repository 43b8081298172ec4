import type { ServerEvent } from '../protocol/index.js';

/**
 * What the supervisor board shows of a call, kept up to date from its events: the same on the node
 * that holds the call and on every node that follows it.
 */
export class CallActivity {
  lastUtterance: string | null = null;
  agency: string | null = null;
  alertLevel: 'warning' | 'critical' | null = null;
  /** Seq of every alert of the call, and whether a supervisor has handled it. */
  private readonly alerts = new Map<number, { supervised: boolean }>();

  observe(event: ServerEvent): void {
    if (event.type === 'final') this.lastUtterance = event.corrected_text;
    else if (event.type === 'suggestion' && event.faq_candidates[0])
      this.agency = event.faq_candidates[0].agency;
    else if (event.type === 'alert') {
      if (this.alertLevel !== 'critical') this.alertLevel = event.level;
      this.alerts.set(event.seq, { supervised: false });
    } else if (event.type === 'alert_action' && event.role !== 'agent' && event.action !== 'outcome') {
      const alert = this.alerts.get(event.alert_seq);
      if (alert) alert.supervised = true;
    }
  }

  hasAlert(seq: number): boolean {
    return this.alerts.has(seq);
  }

  /** Alerts no supervisor has acknowledged or taken over yet. */
  get openAlerts(): number {
    return [...this.alerts.values()].filter((a) => !a.supervised).length;
  }
}
