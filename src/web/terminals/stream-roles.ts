// Which output a terminal in this browser may answer (docs/protocol.md, "Answering queries"). xterm.js
// answers the queries it parses (cursor position, device attributes, colours, modes); an answer is
// typed into the program like a keystroke. Only output that arrives live — past the attach's replay —
// may be answered, and only by the one client the server names, or a reload or a second device
// would type old answers into whatever runs now. DOM-free, so it is tested in Node.

/** A run of output bytes `[from, to)` with what the terminal may do while parsing it. */
export interface StreamSegment {
  from: number;
  to: number;
  /** Past the attach's replay: news (marks, the bell, program copies). */
  live: boolean;
  /** Live and this client is the one that answers the program's queries. */
  mayAnswer: boolean;
}

interface RoleChange {
  seq: number;
  answering: boolean;
}

export class StreamRoles {
  /** Output past this offset is live; up to it, replay (Infinity until an attach answers). */
  private liveFrom = Infinity;
  /** The role in force before the first pending change. */
  private answering = false;
  /** Role changes not yet reached by the output, in stream order. */
  private changes: RoleChange[] = [];

  /** A new attachment: nothing is live until the server says where its replay ends; no role until it names one. */
  startAttach(): void {
    this.liveFrom = Infinity;
    this.answering = false;
    this.changes = [];
  }

  /** The attach was answered: output past `seq` is live (null: an ended terminal, all replay). */
  replayEndsAt(seq: number | null): void {
    this.liveFrom = seq ?? Infinity;
  }

  /** The connection dropped: nothing is live until the next attach answers. */
  connectionLost(): void {
    this.startAttach();
  }

  /** `terminal:answering`: from offset `seq` on, this client answers (or not). */
  noteRole(seq: number, answering: boolean): void {
    const at = this.changes.findIndex((change) => change.seq > seq);
    if (at < 0) this.changes.push({ seq, answering });
    else this.changes.splice(at, 0, { seq, answering });
  }

  /** Whether output at `seq` (the next byte to arrive) is past the replay. */
  isLiveAt(seq: number): boolean {
    return seq >= this.liveFrom;
  }

  /**
   * Splits the output `[from, to)` where what the terminal may do changes, and moves past it
   * (role changes at or before `to` are used up). Empty when `from >= to`.
   */
  take(from: number, to: number): StreamSegment[] {
    if (from >= to) return [];
    // The common case, every output message once live: nothing changes inside it.
    this.applyChangesUpTo(from);
    if ((this.liveFrom <= from || this.liveFrom >= to) && !this.changes.some((change) => change.seq < to)) {
      const live = from >= this.liveFrom;
      return [{ from, to, live, mayAnswer: live && this.answering }];
    }
    const cuts = new Set<number>([from, to]);
    if (this.liveFrom > from && this.liveFrom < to) cuts.add(this.liveFrom);
    for (const change of this.changes) if (change.seq > from && change.seq < to) cuts.add(change.seq);
    const points = [...cuts].sort((a, b) => a - b);
    const segments: StreamSegment[] = [];
    for (let i = 0; i + 1 < points.length; i++) {
      const start = points[i]!;
      this.applyChangesUpTo(start);
      const live = start >= this.liveFrom;
      const segment = { from: start, to: points[i + 1]!, live, mayAnswer: live && this.answering };
      const last = segments.at(-1);
      if (last && last.live === segment.live && last.mayAnswer === segment.mayAnswer) last.to = segment.to;
      else segments.push(segment);
    }
    this.applyChangesUpTo(to);
    return segments;
  }

  private applyChangesUpTo(seq: number): void {
    while (this.changes.length > 0 && this.changes[0]!.seq <= seq) this.answering = this.changes.shift()!.answering;
  }
}
