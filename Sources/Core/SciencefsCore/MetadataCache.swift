import Foundation
import SciencefsStore

/// Attribute, listing and negative caches with per-source TTLs, written through to the SQLite store so that a
/// remount answers from disk what it listed before (while still fresh). Alongside them, in memory only, the
/// *facts* a backend learned about a node beyond its attributes (its extended attributes, a Rucio file's replica
/// list, a dataset's children; see `NodeFacts`): they live here rather than in the backend so that every
/// invalidation (refresh, change, removal, rename) drops them together with the node's attributes; a refresh also
/// drops those of the directories above it, which may describe it.
///
/// Memory is bounded: past `memoryLimit` nodes the in-memory part starts over from empty. The store keeps
/// everything, so nothing is lost; the nodes asked for next are answered from SQLite and come back into memory.
/// (A `find` over a million files would otherwise keep a million attribute records in the daemon.)
///
/// Thread-safe. The mount root and source roots are synthetic and never cached here.
final class MetadataCache: @unchecked Sendable {
    private struct Attributes {
        var value: RemoteAttributes
        var fetchedAt: Date
    }
    private struct Listing {
        var names: [String]
        var fetchedAt: Date
    }
    private struct Fact {
        var value: any Sendable
        var fetchedAt: Date
        /// No TTL: true while the object exists (see `NodeFacts`).
        var unchanging: Bool
    }

    private let lock = NSLock()
    private var attributes: [NodeKey: Attributes] = [:]
    private var listings: [NodeKey: Listing] = [:]
    private var negatives: [NodeKey: Date] = [:]
    /// Per node, one value per type (`ObjectIdentifier` of the value's type).
    private var facts: [NodeKey: [ObjectIdentifier: Fact]] = [:]
    private let store: MetadataStore?
    private let onStoreError: (Error) -> Void
    private let memoryLimit: Int

    private(set) var hits: UInt64 = 0
    private(set) var misses: UInt64 = 0

    /// `memoryLimit`: attribute records kept in memory at most (listings and negative entries are dropped with
    /// them). A 100,000-entry directory is then listed from SQLite; browsing smaller ones stays in memory.
    init(store: MetadataStore?, memoryLimit: Int = 50_000, onStoreError: @escaping (Error) -> Void) {
        self.store = store
        self.memoryLimit = max(1, memoryLimit)
        self.onStoreError = onStoreError
    }

    /// Nodes whose attributes are in memory now.
    var nodesInMemory: Int {
        lock.lock()
        defer { lock.unlock() }
        return attributes.count
    }

    /// Called with `lock` held after adding to memory: starts over when over the limit. Clearing everything at
    /// once (rather than evicting one by one) keeps each listing and its children's attributes together, which
    /// `listing(_:)` and `persistParentListing` rely on.
    private func trimLocked() {
        if attributes.count > memoryLimit {
            attributes.removeAll()
            listings.removeAll()
        }
        if negatives.count > memoryLimit { negatives.removeAll() }
        if facts.count > memoryLimit { facts.removeAll() }
    }

    // MARK: reads

    /// Fresh attributes of `key`, from memory or the store; nil when unknown or expired.
    func attributes(_ key: NodeKey, ttl: TimeInterval, now: Date) -> RemoteAttributes? {
        lock.lock()
        if let cached = attributes[key], now.timeIntervalSince(cached.fetchedAt) < ttl {
            hits += 1
            lock.unlock()
            return cached.value
        }
        lock.unlock()
        guard let source = key.source, let store else { return miss() }
        do {
            guard let record = try store.node(source: source, path: key.path.string) else { return miss() }
            let fetchedAt = Date(timeIntervalSince1970: record.fetchedAt)
            guard now.timeIntervalSince(fetchedAt) < ttl else { return miss() }
            let value = record.remoteAttributes
            lock.lock()
            attributes[key] = Attributes(value: value, fetchedAt: fetchedAt)
            trimLocked()
            hits += 1
            lock.unlock()
            return value
        } catch {
            onStoreError(error)
            return miss()
        }
    }

    /// A fresh listing of directory `key`, from memory or the store; nil when unknown or expired.
    func listing(_ key: NodeKey, ttl: TimeInterval, now: Date) -> [RemoteEntry]? {
        lock.lock()
        if let listing = listings[key], now.timeIntervalSince(listing.fetchedAt) < ttl {
            var entries: [RemoteEntry] = []
            entries.reserveCapacity(listing.names.count)
            for name in listing.names {
                if let attrs = attributes[key.child(name)] { entries.append(RemoteEntry(name: name, attributes: attrs.value)) }
            }
            if entries.count == listing.names.count {
                hits += 1
                lock.unlock()
                return entries
            }
        }
        lock.unlock()
        guard let source = key.source, let store else { return miss() }
        do {
            guard let stored = try store.listing(source: source, directory: key.path.string) else { return miss() }
            let fetchedAt = Date(timeIntervalSince1970: stored.fetchedAt)
            guard now.timeIntervalSince(fetchedAt) < ttl else { return miss() }
            let entries = stored.entries.map { RemoteEntry(name: RemotePath(string: $0.path).name, attributes: $0.remoteAttributes) }
            remember(listing: entries, of: key, fetchedAt: fetchedAt)
            lock.lock()
            hits += 1
            lock.unlock()
            return entries
        } catch {
            onStoreError(error)
            return miss()
        }
    }

    /// True when `key` was recently found missing, or its parent's fresh listing lacks it and that listing shows
    /// everything (`parentListingIsComplete`; a Rucio scope's listing does not, see `Backend.listingIsComplete`).
    func isKnownMissing(_ key: NodeKey, policy: CachePolicy, parentListingIsComplete: Bool = true, now: Date) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if let at = negatives[key], now.timeIntervalSince(at) < policy.negativeTTL { return true }
        if parentListingIsComplete, let listing = listings[key.parent],
           now.timeIntervalSince(listing.fetchedAt) < policy.listingTTL, !listing.names.contains(key.name) {
            return true
        }
        return false
    }

    /// A fresh fact of type `T` about `key` (see `NodeFacts`); nil when unknown or older than `ttl`.
    func fact<T: Sendable>(_ type: T.Type, of key: NodeKey, ttl: TimeInterval, now: Date) -> T? {
        datedFact(type, of: key, ttl: ttl, now: now)?.value
    }

    /// A fresh fact and when it was learned (nil for an unchanging one, which has no age).
    func datedFact<T: Sendable>(_ type: T.Type, of key: NodeKey, ttl: TimeInterval, now: Date) -> (value: T, fetchedAt: Date?)? {
        lock.lock()
        defer { lock.unlock() }
        guard let fact = facts[key]?[ObjectIdentifier(type)], fact.unchanging || now.timeIntervalSince(fact.fetchedAt) < ttl,
              let value = fact.value as? T else {
            return nil
        }
        return (value, fact.unchanging ? nil : fact.fetchedAt)
    }

    private func miss<T>() -> T? {
        lock.lock()
        misses += 1
        lock.unlock()
        return nil
    }

    // MARK: writes

    func save(fact value: some Sendable, of key: NodeKey, now: Date, unchanging: Bool = false) {
        lock.lock()
        facts[key, default: [:]][ObjectIdentifier(type(of: value))] = Fact(value: value, fetchedAt: now, unchanging: unchanging)
        trimLocked()
        lock.unlock()
    }

    func removeFact<T>(_ type: T.Type, of key: NodeKey) {
        lock.lock()
        facts[key]?[ObjectIdentifier(type)] = nil
        lock.unlock()
    }

    func save(attributes value: RemoteAttributes, for key: NodeKey, now: Date) {
        lock.lock()
        dropFactsIfChangedLocked(key, to: value)
        attributes[key] = Attributes(value: value, fetchedAt: now)
        negatives[key] = nil
        trimLocked()
        lock.unlock()
        guard let source = key.source, let store else { return }
        do { try store.upsertNode(NodeRecord(source: source, path: key.path.string, attributes: value, fetchedAt: now)) }
        catch { onStoreError(error) }
    }

    func save(listing entries: [RemoteEntry], of key: NodeKey, now: Date) {
        remember(listing: entries, of: key, fetchedAt: now)
        guard let source = key.source, let store else { return }
        let records = entries.map {
            NodeRecord(source: source, path: key.path.appending($0.name).string, attributes: $0.attributes, fetchedAt: now)
        }
        do { try store.saveListing(source: source, directory: key.path.string, entries: records,
                                   fetchedAt: now.timeIntervalSince1970) }
        catch { onStoreError(error) }
    }

    private func remember(listing entries: [RemoteEntry], of key: NodeKey, fetchedAt: Date) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count > memoryLimit {
            forgetOversized(listing: entries, of: key)
            return
        }
        // Children that vanished since the last listing lose their cached attributes.
        if let old = listings[key] {
            let current = Set(entries.map(\.name))
            for name in old.names where !current.contains(name) { attributes[key.child(name)] = nil }
        }
        for entry in entries {
            let child = key.child(entry.name)
            dropFactsIfChangedLocked(child, to: entry.attributes)
            attributes[child] = Attributes(value: entry.attributes, fetchedAt: fetchedAt)
            negatives[child] = nil
        }
        listings[key] = Listing(names: entries.map(\.name), fetchedAt: fetchedAt)
        trimLocked()
    }

    /// A listing longer than `memoryLimit` would only be added for `trimLocked` to clear memory at once: memory starts
    /// over without adding it (the store answers for it), after what adding it would have changed besides: the
    /// children's facts that no longer hold and their negative entries. (Adding, then clearing, 100,000 children
    /// was a tenth of the daemon's time in a cold `ls -l` of a 100,000-entry directory.) Called with `lock` held.
    private func forgetOversized(listing entries: [RemoteEntry], of key: NodeKey) {
        if !facts.isEmpty || !negatives.isEmpty {
            for entry in entries {
                let child = key.child(entry.name)
                dropFactsIfChangedLocked(child, to: entry.attributes)
                negatives[child] = nil
            }
        }
        attributes.removeAll()
        listings.removeAll()
    }

    /// Facts describe one version of a node: when its attributes (size, mtime…) are seen to change, they go.
    /// Unknown old attributes keep them; their TTL bounds how long they can be out of date.
    private func dropFactsIfChangedLocked(_ key: NodeKey, to value: RemoteAttributes) {
        if let old = attributes[key], old.value.objectVersion != value.objectVersion { facts[key] = nil }
    }

    func saveMissing(_ key: NodeKey, now: Date) {
        lock.lock()
        negatives[key] = now
        facts[key] = nil
        attributes[key] = nil
        trimLocked()
        lock.unlock()
    }

    /// A node created or replaced through the mount: visible at once, in its parent's listing too.
    func added(_ key: NodeKey, attributes value: RemoteAttributes, now: Date) {
        save(attributes: value, for: key, now: now)
        lock.lock()
        facts[key] = nil // new content: what was known about the old object no longer holds
        if var listing = listings[key.parent], !listing.names.contains(key.name) {
            listing.names.append(key.name)
            listings[key.parent] = listing
        }
        lock.unlock()
        // The store lists a directory by its children rows, so the upsert above already added the entry there.
    }

    /// A node removed through the mount, with everything beneath it.
    func removed(_ key: NodeKey, now: Date) {
        lock.lock()
        dropSubtree(key)
        negatives[key] = now
        if var listing = listings[key.parent] {
            listing.names.removeAll { $0 == key.name }
            listings[key.parent] = listing
        }
        lock.unlock()
        guard let source = key.source, let store else { return }
        do { try store.removeNode(source: source, path: key.path.string) } catch { onStoreError(error) }
        persistParentListing(of: key)
    }

    func renamed(_ from: NodeKey, to: NodeKey, now: Date) {
        lock.lock()
        let moved = attributes.filter { $0.key.isWithin(from) }
        let movedListings = listings.filter { $0.key.isWithin(from) }
        dropSubtree(from)
        dropSubtree(to)
        for (key, value) in moved { attributes[key.rebased(from: from, to: to)] = value }
        for (key, value) in movedListings { listings[key.rebased(from: from, to: to)] = value }
        negatives[from] = now
        negatives[to] = nil
        if var listing = listings[from.parent] {
            listing.names.removeAll { $0 == from.name }
            listings[from.parent] = listing
        }
        if var listing = listings[to.parent], !listing.names.contains(to.name) {
            listing.names.append(to.name)
            listings[to.parent] = listing
        }
        lock.unlock()
        if let source = from.source, let store {
            do {
                try store.removeNode(source: source, path: to.path.string)
                try store.renameSubtree(source: source, from: from.path.string, to: to.path.string)
            } catch { onStoreError(error) }
        }
        persistParentListing(of: from)
        persistParentListing(of: to)
    }

    /// A name the mount showed that the server may not have (an upload that failed): the node goes from memory and
    /// disk, and its parent's listing is asked for again, so the listing shows what the server has.
    func forget(_ key: NodeKey) {
        lock.lock()
        dropSubtree(key)
        dropFactsAbove(key)
        listings[key.parent] = nil
        lock.unlock()
        guard let source = key.source, let store else { return }
        do { try store.removeNode(source: source, path: key.path.string) } catch { onStoreError(error) }
    }

    /// Forgets everything cached for a subtree (memory and disk), and the facts of the directories above it, so the
    /// next access asks the server (`user.sciencefs.refresh`).
    func invalidate(_ key: NodeKey) {
        lock.lock()
        dropSubtree(key)
        dropFactsAbove(key)
        lock.unlock()
        guard let source = key.source, let store else { return }
        do { try store.invalidate(source: source, path: key.path.string) } catch { onStoreError(error) }
    }

    private func dropSubtree(_ key: NodeKey) {
        attributes = attributes.filter { !$0.key.isWithin(key) }
        listings = listings.filter { !$0.key.isWithin(key) }
        negatives = negatives.filter { !$0.key.isWithin(key) }
        facts = facts.filter { !$0.key.isWithin(key) }
    }

    /// Facts of every directory above `key`, up to its source's root. A directory's facts may describe what is
    /// inside it (a dataset's children, a batch's file tree, a source's batch list), so a refresh reaches them. (A
    /// change made through the mount leaves them to the backend that made it, which knows what it changed: a JDMA
    /// unlink inside a batch changes nothing the batch's tree says.)
    private func dropFactsAbove(_ key: NodeKey) {
        var above = key
        while !above.isMountRoot, !above.path.isRoot {
            above = above.parent
            facts[above] = nil
        }
    }


    /// Rewrites the parent's stored listing from memory after a local change, keeping its original fetch time.
    private func persistParentListing(of key: NodeKey) {
        let parent = key.parent
        guard let source = parent.source, let store else { return }
        lock.lock()
        guard let listing = listings[parent] else {
            lock.unlock()
            return
        }
        let records: [NodeRecord] = listing.names.compactMap { name in
            let child = parent.child(name)
            guard let attrs = attributes[child] else { return nil }
            return NodeRecord(source: source, path: child.path.string, attributes: attrs.value, fetchedAt: attrs.fetchedAt)
        }
        let fetchedAt = listing.fetchedAt
        lock.unlock()
        do { try store.saveListing(source: source, directory: parent.path.string, entries: records,
                                   fetchedAt: fetchedAt.timeIntervalSince1970) }
        catch { onStoreError(error) }
    }
}

extension NodeRecord {
    init(source: String, path: String, attributes a: RemoteAttributes, fetchedAt: Date) {
        self.init(source: source, path: path, isDirectory: a.kind == .directory, size: Int64(clamping: a.size),
                  mtime: a.mtime.timeIntervalSince1970, permissions: Int(a.permissions), xattrs: a.xattrs,
                  fetchedAt: fetchedAt.timeIntervalSince1970)
    }

    var remoteAttributes: RemoteAttributes {
        RemoteAttributes(kind: isDirectory ? .directory : .file, size: UInt64(max(0, size)),
                         mtime: Date(timeIntervalSince1970: mtime), permissions: UInt16(truncatingIfNeeded: permissions),
                         xattrs: xattrs)
    }
}
