/**
 * A validating JSON (RFC 8259) scanner for one JSON Lines record, over bytes and without recursion: any nesting depth
 * costs one byte of stack per level, never the call stack. It records the top-level members of an object as byte
 * ranges, so values keep their exact text (an integer beyond 2^53 is not rounded by a double on the way).
 *
 * https://www.rfc-editor.org/rfc/rfc8259 (grammar: value, object, array, number, string; whitespace is space, TAB,
 * LF, CR; strings hold no unescaped control character).
 */

/** A JSON value's kind (J_NESTED: an object or array, whose range is its raw text). */
const J_STRING = 1, J_NUMBER = 2, J_TRUE = 3, J_FALSE = 4, J_NULL = 5, J_NESTED = 6;
/** What a JSON Lines record is (JSON_NOT_OBJECT: valid JSON, but not an object). */
const JSON_OK = 0, JSON_INVALID = 1, JSON_NOT_OBJECT = 2;

// Exported as a list of plain consts, not `export const`: see the note in scan-state.ts.
export { J_STRING, J_NUMBER, J_TRUE, J_FALSE, J_NULL, J_NESTED, JSON_OK, JSON_INVALID, JSON_NOT_OBJECT };

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;

function isWs(c: number): boolean {
    return c === 32 || c === 10 || c === 13 || c === 9;
}

function isDigit(c: number): boolean {
    return c >= 48 && c <= 57;
}

function isHex(c: number): boolean {
    return (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);
}

export class JsonRecordScanner {
    /** Top-level members, in order: key range (inside the quotes) and whether it has escapes, value kind and range. */
    keyStart = new Int32Array(64);
    keyEnd = new Int32Array(64);
    keyEsc = new Uint8Array(64);
    kind = new Uint8Array(64);
    /** J_STRING: inside the quotes; others: the value's text. */
    valStart = new Int32Array(64);
    valEnd = new Int32Array(64);
    valEsc = new Uint8Array(64);
    count = 0;

    private stack = new Uint8Array(64);
    private buf: Uint8Array = new Uint8Array(0);
    private end = 0;
    /** Whether the last string scanned had an escape. */
    private esc = 0;

    /** Scans buf[start, end) (one record, without its line end). Returns JSON_OK (members recorded), JSON_INVALID or JSON_NOT_OBJECT. */
    scan(buf: Uint8Array, start: number, end: number): number {
        this.buf = buf;
        this.end = end;
        this.count = 0;
        let i = this.ws(start);
        if (i >= end) {
            return JSON_INVALID;
        }
        const object = buf[i] === LBRACE;
        if (buf[i] === LBRACE || buf[i] === LBRACKET) {
            i = this.container(i, object);
        } else {
            i = this.scalar(i);
        }
        if (i < 0 || this.ws(i) !== end) {
            return JSON_INVALID;
        }
        return object ? JSON_OK : JSON_NOT_OBJECT;
    }

    private ws(i: number): number {
        const buf = this.buf;
        const end = this.end;
        while (i < end && isWs(buf[i])) {
            i++;
        }
        return i;
    }

    /**
     * An object or array at i (iterative: `stack` holds the open brackets). With `record`, the members of the
     * outermost object are recorded. Returns the index after its closing bracket, or -1 if invalid.
     */
    private container(i: number, record: boolean): number {
        const buf = this.buf;
        const end = this.end;
        let sp = 0;
        this.push(sp++, buf[i]);
        i++;
        /** Expecting an element (true) or a comma / closing bracket (false). */
        let element = true;
        let justOpened = true;
        /** The member whose nested value is open (recording), or -1. */
        let open = -1;
        for (;;) {
            i = this.ws(i);
            if (i >= end) {
                return -1;
            }
            const inObject = this.stack[sp - 1] === LBRACE;
            const close = inObject ? RBRACE : RBRACKET;
            let c = buf[i];
            if (!element || justOpened) {
                if (c === close) {
                    sp--;
                    i++;
                    if (sp === 0) {
                        return i;
                    }
                    if (sp === 1 && open >= 0) {
                        this.valEnd[open] = i;
                        open = -1;
                    }
                    element = false;
                    justOpened = false;
                    continue;
                }
                if (!element) {
                    if (c !== COMMA) {
                        return -1;
                    }
                    i++;
                    element = true;
                    continue;
                }
            }
            justOpened = false;
            let member = -1;
            if (inObject) {
                if (c !== QUOTE) {
                    return -1;
                }
                const ks = i + 1;
                i = this.string(i);
                if (i < 0) {
                    return -1;
                }
                if (record && sp === 1) {
                    member = this.addMember(ks, i - 1, this.esc);
                }
                i = this.ws(i);
                if (i >= end || buf[i] !== COLON) {
                    return -1;
                }
                i = this.ws(i + 1);
                if (i >= end) {
                    return -1;
                }
                c = buf[i];
            }
            if (c === LBRACE || c === LBRACKET) {
                if (member >= 0) {
                    this.kind[member] = J_NESTED;
                    this.valStart[member] = i;
                    open = member;
                }
                this.push(sp++, c);
                i++;
                justOpened = true;
                continue;
            }
            const vs = i;
            i = this.scalar(i);
            if (i < 0) {
                return -1;
            }
            if (member >= 0) {
                this.setScalar(member, vs, i);
            }
            element = false;
        }
    }

    /** A string, number or literal at i; the index after it, or -1. */
    private scalar(i: number): number {
        const c = this.buf[i];
        if (c === QUOTE) {
            return this.string(i);
        }
        if (c === 116) {
            return this.literal(i, "true");
        }
        if (c === 102) {
            return this.literal(i, "false");
        }
        if (c === 110) {
            return this.literal(i, "null");
        }
        return this.number(i);
    }

    private setScalar(m: number, s: number, e: number): void {
        const c = this.buf[s];
        if (c === QUOTE) {
            this.kind[m] = J_STRING;
            this.valStart[m] = s + 1;
            this.valEnd[m] = e - 1;
            this.valEsc[m] = this.esc;
            return;
        }
        this.kind[m] = c === 116 ? J_TRUE : c === 102 ? J_FALSE : c === 110 ? J_NULL : J_NUMBER;
        this.valStart[m] = s;
        this.valEnd[m] = e;
    }

    /** A string at i (the opening quote); sets esc. The index after the closing quote, or -1. */
    private string(i: number): number {
        const buf = this.buf;
        const end = this.end;
        let esc = 0;
        i++;
        while (i < end) {
            const c = buf[i];
            if (c === QUOTE) {
                this.esc = esc;
                return i + 1;
            }
            if (c < 32) {
                return -1;
            }
            if (c === BACKSLASH) {
                esc = 1;
                if (i + 1 >= end) {
                    return -1;
                }
                const e = buf[i + 1];
                if (e === 117) {
                    if (i + 5 >= end || !isHex(buf[i + 2]) || !isHex(buf[i + 3]) || !isHex(buf[i + 4]) || !isHex(buf[i + 5])) {
                        return -1;
                    }
                    i += 6;
                    continue;
                }
                // " \ / b f n r t
                if (e !== QUOTE && e !== BACKSLASH && e !== 47 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) {
                    return -1;
                }
                i += 2;
                continue;
            }
            i++;
        }
        return -1;
    }

    /** -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
    private number(i: number): number {
        const buf = this.buf;
        const end = this.end;
        if (i < end && buf[i] === 45) {
            i++;
        }
        if (i >= end || !isDigit(buf[i])) {
            return -1;
        }
        if (buf[i] === 48) {
            i++;
        } else {
            while (i < end && isDigit(buf[i])) {
                i++;
            }
        }
        if (i < end && buf[i] === 46) {
            i++;
            if (i >= end || !isDigit(buf[i])) {
                return -1;
            }
            while (i < end && isDigit(buf[i])) {
                i++;
            }
        }
        if (i < end && (buf[i] | 0x20) === 101) {
            i++;
            if (i < end && (buf[i] === 43 || buf[i] === 45)) {
                i++;
            }
            if (i >= end || !isDigit(buf[i])) {
                return -1;
            }
            while (i < end && isDigit(buf[i])) {
                i++;
            }
        }
        return i;
    }

    private literal(i: number, word: string): number {
        const buf = this.buf;
        if (i + word.length > this.end) {
            return -1;
        }
        for (let k = 0; k < word.length; k++) {
            if (buf[i + k] !== word.charCodeAt(k)) {
                return -1;
            }
        }
        return i + word.length;
    }

    private push(sp: number, c: number): void {
        if (sp >= this.stack.length) {
            const bigger = new Uint8Array(this.stack.length * 2);
            bigger.set(this.stack);
            this.stack = bigger;
        }
        this.stack[sp] = c;
    }

    private addMember(ks: number, ke: number, esc: number): number {
        const m = this.count++;
        if (m >= this.keyStart.length) {
            const grow = <T extends Int32Array | Uint8Array>(a: T): T => {
                const b = new (a.constructor as new (n: number) => T)(a.length * 2);
                b.set(a);
                return b;
            };
            this.keyStart = grow(this.keyStart);
            this.keyEnd = grow(this.keyEnd);
            this.keyEsc = grow(this.keyEsc);
            this.kind = grow(this.kind);
            this.valStart = grow(this.valStart);
            this.valEnd = grow(this.valEnd);
            this.valEsc = grow(this.valEsc);
        }
        this.keyStart[m] = ks;
        this.keyEnd[m] = ke;
        this.keyEsc[m] = esc;
        return m;
    }
}

/**
 * Copies the JSON text buf[s, e) into out without the whitespace between tokens (strings kept as written); returns
 * the length. out must hold e - s bytes.
 */
export function minifyJson(buf: Uint8Array, s: number, e: number, out: Uint8Array): number {
    let o = 0;
    let inString = false;
    for (let i = s; i < e; i++) {
        const c = buf[i];
        if (inString) {
            out[o++] = c;
            if (c === BACKSLASH) {
                out[o++] = buf[++i];
            } else if (c === QUOTE) {
                inString = false;
            }
            continue;
        }
        if (isWs(c)) {
            continue;
        }
        if (c === QUOTE) {
            inString = true;
        }
        out[o++] = c;
    }
    return o;
}
