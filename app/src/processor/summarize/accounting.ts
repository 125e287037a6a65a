/**
 * Bad-row bookkeeping: every bad row is counted, overall and by reason; the first `max` are listed with their line
 * numbers (overall and per reason). Blocks of a parallel run keep their own, merged in input order.
 */
import { BadRow, BadRowCode, BadRowsOfKind } from "./types";

/** A plain copy of BadRows (structured-clone friendly, for a block's result). */
export interface BadRowsState {
    count: number;
    first: BadRow[];
    byReason: Partial<Record<BadRowCode, BadRowsOfKind>>;
}

export class BadRows {
    count = 0;
    first: BadRow[] = [];
    byReason: Partial<Record<BadRowCode, BadRowsOfKind>> = {};

    constructor(private readonly max: number) {}

    add(line: number, code: BadRowCode, reason: string): void {
        this.count++;
        if (this.first.length < this.max) {
            this.first.push({ line, code, reason });
        }
        this.addKind(code, 1, line);
    }

    reset(): void {
        this.count = 0;
        this.first = [];
        this.byReason = {};
    }

    /** Folds in the bad rows of the input that comes next, whose line numbers are counted from `base` + 1. */
    merge(o: BadRowsState, base: number): void {
        this.count += o.count;
        for (const b of o.first) {
            if (this.first.length >= this.max) {
                break;
            }
            this.first.push({ line: b.line + base, code: b.code, reason: b.reason });
        }
        for (const code of Object.keys(o.byReason) as BadRowCode[]) {
            const k = o.byReason[code]!;
            const mine = this.addKind(code, k.count, -1);
            for (const line of k.lines) {
                if (mine.lines.length >= this.max) {
                    break;
                }
                mine.lines.push(line + base);
            }
        }
    }

    /** A copy (the lists are not shared). */
    state(): BadRowsState {
        const byReason: Partial<Record<BadRowCode, BadRowsOfKind>> = {};
        for (const code of Object.keys(this.byReason) as BadRowCode[]) {
            const k = this.byReason[code]!;
            byReason[code] = { count: k.count, lines: k.lines.slice() };
        }
        return { count: this.count, first: this.first.map((b) => ({ ...b })), byReason };
    }

    private addKind(code: BadRowCode, count: number, line: number): BadRowsOfKind {
        let k = this.byReason[code];
        if (k === undefined) {
            k = { count: 0, lines: [] };
            this.byReason[code] = k;
        }
        k.count += count;
        if (line >= 0 && k.lines.length < this.max) {
            k.lines.push(line);
        }
        return k;
    }
}
