import Foundation

/// Which channels of a layer get a row of top-k images: the most informative ones, with the rest's reasons.
///
/// A channel is skipped when it is dead (never positive), when its top-k scores tie (all within a relative
/// 1e-6 of each other: the images cannot be ranked), or when it is at noise level (its best score rises above
/// its own mean activation by less than `noiseShare` of the layer's largest such rise). The others rank by that
/// rise (mean of the top-k spatial maxima minus the channel's mean activation): a channel that fires much more
/// strongly on a few images than on average is selective, and its top images say most. Ties: lower channel first.
public enum ChannelChoice {
    /// Why a channel gets no row.
    public enum Skip: String, Sendable, Equatable {
        case dead, tied, noise
    }

    /// A rise below this share of the layer's largest rise is noise level.
    public static let noiseShare = 1e-3

    /// The `count` channels to show, most informative first, and the skipped channels with their reasons.
    public static func choose(tops: [[ActivationHit]], means: [Double], dead: [Bool], count: Int)
        -> (shown: [Int], skipped: [(channel: Int, reason: Skip)]) {
        let channels = tops.indices
        func rise(_ c: Int) -> Double {
            let scores = tops[c].map { Double($0.score) }
            guard !scores.isEmpty else { return .nan }
            let mean = c < means.count && means[c].isFinite ? means[c] : 0
            return scores.reduce(0, +) / Double(scores.count) - mean
        }
        let rises = channels.map(rise)
        let largest = rises.filter(\.isFinite).max() ?? 0
        var skipped = [(channel: Int, reason: Skip)]()
        var candidates = [Int]()
        for c in channels {
            let scores = tops[c].map { Double($0.score) }
            if (c < dead.count && dead[c]) || scores.isEmpty {
                skipped.append((c, .dead))
            } else if scores.count > 1, let high = scores.max(), let low = scores.min(),
                      high - low <= 1e-6 * max(abs(high), abs(low)) {
                skipped.append((c, .tied))
            } else if !(largest > 0) || !(rises[c] > noiseShare * largest) {
                skipped.append((c, .noise))
            } else {
                candidates.append(c)
            }
        }
        let ranked = candidates.sorted { rises[$0] > rises[$1] || (rises[$0] == rises[$1] && $0 < $1) }
        return (Array(ranked.prefix(max(0, count))), skipped)
    }
}
