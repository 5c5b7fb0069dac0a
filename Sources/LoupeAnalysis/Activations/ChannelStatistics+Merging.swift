import LoupeTensor

extension ChannelStatistics {
    /// The raw counts and sums behind the statistics, for saving part of a pass (a shard) and reading it back.
    public struct Accumulators: Sendable, Equatable {
        public var images: Int
        public var positions: Int
        public var sums: [Double]
        public var zeros: [Int]
        public var positives: [Int]
        public var nearBound: [Int]
        public var maxima: [Float]

        public init(images: Int, positions: Int, sums: [Double], zeros: [Int], positives: [Int], nearBound: [Int], maxima: [Float]) {
            self.images = images; self.positions = positions; self.sums = sums; self.zeros = zeros
            self.positives = positives; self.nearBound = nearBound; self.maxima = maxima
        }
    }

    /// The accumulators as they stand.
    public var accumulators: Accumulators {
        Accumulators(images: images, positions: positions, sums: sums, zeros: zeros, positives: positives,
                     nearBound: nearBound, maxima: maxima)
    }

    /// Statistics restored from saved accumulators; refused when a list does not have one entry per channel.
    public init(kind: ActivationKind, accumulators a: Accumulators) throws {
        let channels = a.sums.count
        guard [a.zeros.count, a.positives.count, a.nearBound.count, a.maxima.count].allSatisfy({ $0 == channels }),
              a.images >= 0, a.positions >= 0 else {
            throw LoupeError(.invalidInput, "channel statistics with lists of different lengths")
        }
        self.init(channels: channels, kind: kind)
        images = a.images; positions = a.positions; sums = a.sums; zeros = a.zeros
        positives = a.positives; nearBound = a.nearBound; maxima = a.maxima
    }

    /// Adds the statistics of later images: counts add, sums add in Double, maxima keep the larger.
    ///
    /// Folding per-block statistics in block order gives the same bits however the blocks were
    /// spread over processes (a single run folds the same blocks in the same order).
    public mutating func absorb(_ later: ChannelStatistics) throws {
        guard later.channels == channels else {
            throw LoupeError(.invalidInput, "cannot add statistics of \(later.channels) channels to \(channels)")
        }
        for c in 0..<channels {
            sums[c] += later.sums[c]
            zeros[c] += later.zeros[c]
            positives[c] += later.positives[c]
            nearBound[c] += later.nearBound[c]
            if later.maxima[c] > maxima[c] { maxima[c] = later.maxima[c] }
        }
        images += later.images
        positions += later.positions
    }
}
