import TestSupport

/// The fuzzer's dice: SplitMix64 (deterministic, so a run is reproduced exactly from the seed it prints,
/// `SCIENCEFS_FUZZ_SEED`) plus the choices mutators make.
struct FuzzRandom: RandomNumberGenerator {
    private var core: SplitMix64

    init(seed: UInt64) { core = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { core.next() }

    /// A value in `0..<bound` (bound > 0).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// True with probability `percent`/100.
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// A length skewed towards small values (most mutations are local; a few are large).
    mutating func smallLength(max: Int) -> Int {
        let scale = [4, 16, 64, 1024, max][below(5)]
        return 1 + below(Swift.max(1, Swift.min(scale, max)))
    }

    /// Stable 64-bit mix of a seed and a name, so each parser family gets its own stream from one printed seed.
    static func derive(_ seed: UInt64, _ name: String) -> UInt64 {
        var mixer = FuzzRandom(seed: seed ^ fingerprint(name.utf8))
        return mixer.next()
    }

    /// FNV-1a of some bytes: the same on every run (unlike `hashValue`, which is seeded per process).
    static func fingerprint<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
