/**
 * Many small lists in one buffer: the per-slot lists kept across queries (the graph's bound
 * offers by receiver, undominated and unbound offers; the router's senders, per-receiver index
 * of bound offers, packed terms) number in the tens of thousands on the Lightning graphs, and
 * each as its own typed array cost ~200 bytes of objects (the array, its ArrayBuffer, its
 * backing store) besides its entries: ~7 MB of the ~24 MB a router kept on the faithful mapping.
 * Here a list is a range of one buffer, found by its key (a slot).
 */

/**
 * Lists by key, each a range [at(k), at(k) + len(k)) of {@link data} (and, when the pool is
 * made with `wide` > 0, of {@link wideData} at `wide` times those indexes: doubles that go
 * with each entry). A list is written once when it is built; a changed one is dropped and
 * built again at the end of the buffer. When the buffer is full it is replaced (never
 * rewritten in place), so a reader holding {@link data} keeps reading the lists it held, even
 * across builds of others (the depth-first search does): either a larger copy, or, when at
 * least a third of it holds dropped lists, a fresh buffer with every list dropped (its readers
 * build theirs again when they next need them).
 */
export class ListPool {
  data = new Int32Array(0);
  wideData = new Float64Array(0);
  private readonly wide: number;
  /** Per key, where its list starts, or -1 when it has none (never built, or dropped). */
  private start = new Int32Array(0);
  private size = new Int32Array(0);
  private used = 0;
  private live = 0;

  constructor(wide = 0) {
    this.wide = wide;
  }

  /** Where key k's list starts, or -1 when it has none. */
  at(k: number): number {
    return k < this.start.length ? (this.start[k] as number) : -1;
  }

  /** Entries in key k's list (0 when it has none). */
  len(k: number): number {
    return k < this.start.length && (this.start[k] as number) >= 0 ? (this.size[k] as number) : 0;
  }

  /** Drop key k's list (its entries stay in the buffer, unused, until it is replaced). */
  drop(k: number): void {
    if (k >= this.start.length || (this.start[k] as number) < 0) return;
    this.live -= this.size[k] as number;
    this.start[k] = -1;
  }

  /**
   * Room for a new list of `n` entries for key k (of `keys` keys; its old list is dropped):
   * returns where to write it in {@link data} (and {@link wideData}, times `wide`), read after
   * this call, since the buffer may have been replaced.
   */
  alloc(k: number, keys: number, n: number): number {
    if (this.start.length < keys) {
      const m = Math.max(16, keys + (keys >> 3));
      const st = new Int32Array(m).fill(-1);
      st.set(this.start);
      this.start = st;
      const sz = new Int32Array(m);
      sz.set(this.size);
      this.size = sz;
    }
    this.drop(k);
    if (this.used + n > this.data.length) {
      // room for the live lists (kept, or built again after a fresh start) and this one
      const want = this.live + n;
      if ((this.used - this.live) * 3 >= this.data.length) {
        // a third or more of the buffer is dropped lists: start over rather than copy the
        // live ones (their readers build them again on their next use)
        this.start.fill(-1);
        this.used = 0;
        this.live = 0;
      }
      const cap = Math.max(64, want + (want >> 3), this.used + n);
      const d = new Int32Array(cap);
      d.set(this.data.subarray(0, this.used));
      this.data = d;
      if (this.wide > 0) {
        const w = new Float64Array(cap * this.wide);
        w.set(this.wideData.subarray(0, this.used * this.wide));
        this.wideData = w;
      }
    }
    const at = this.used;
    this.used += n;
    this.live += n;
    this.start[k] = at;
    this.size[k] = n;
    return at;
  }

  /** Bytes of the buffers (for tests and measurements). */
  get bytes(): number {
    return this.data.byteLength + this.wideData.byteLength + this.start.byteLength + this.size.byteLength;
  }
}
