/**
 * A bounded least-recently-used map. Entries sit on a doubly linked list, most recent first, so a hit and an
 * eviction are a few pointer moves. (Reordering a Map by delete and set instead, and evicting its first key, leaves
 * deleted slots at the front that every `keys().next()` walks again until V8 compacts the table: about 11 us per
 * eviction at 20,000 entries.)
 */
interface Entry<K, V> {
  key: K;
  value: V;
  newer: Entry<K, V> | null;
  older: Entry<K, V> | null;
}

export class Lru<K, V> {
  private readonly map = new Map<K, Entry<K, V>>();
  private newest: Entry<K, V> | null = null;
  private oldest: Entry<K, V> | null = null;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (e !== this.newest) {
      this.unlink(e);
      this.pushNewest(e);
    }
    return e.value;
  }

  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    const e = this.map.get(key);
    if (e !== undefined) {
      e.value = value;
      if (e !== this.newest) {
        this.unlink(e);
        this.pushNewest(e);
      }
      return;
    }
    const added: Entry<K, V> = { key, value, newer: null, older: null };
    this.map.set(key, added);
    this.pushNewest(added);
    while (this.map.size > this.capacity && this.oldest) {
      const gone = this.oldest;
      this.unlink(gone);
      this.map.delete(gone.key);
    }
  }

  clear(): void {
    this.map.clear();
    this.newest = this.oldest = null;
  }

  private unlink(e: Entry<K, V>): void {
    if (e.newer) e.newer.older = e.older;
    else this.newest = e.older;
    if (e.older) e.older.newer = e.newer;
    else this.oldest = e.newer;
    e.newer = e.older = null;
  }

  private pushNewest(e: Entry<K, V>): void {
    e.older = this.newest;
    e.newer = null;
    if (this.newest) this.newest.newer = e;
    this.newest = e;
    if (!this.oldest) this.oldest = e;
  }
}
