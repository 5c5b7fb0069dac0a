import Foundation
import LoupeTensor

/// One streamed part's results over a slice of its work list; slices append in work-list order.
///
/// `append` must give exactly (bit for bit) what one pass over both slices gives: lists concatenate,
/// top-k heaps merge under their total order, and floating sums fold block by block in block order.
protocol ShardPayload {
    func encode(into writer: inout ShardWriter)
    static func decode(from reader: inout ShardReader) throws -> Self
    /// Appends the results of the next slice (later positions of the work list).
    mutating func append(_ next: Self) throws
}

extension ShardPayload {
    /// `append` on an existential: refuses a payload of another type.
    func appending(_ next: any ShardPayload, file: String) throws -> any ShardPayload {
        guard let typed = next as? Self else {
            throw LoupeError(.invalidInput, file: file, "the shard's parts do not match the other shards'")
        }
        var copy = self
        try copy.append(typed)
        return copy
    }
}

/// A report section whose dataset pass shards can split: `gather` runs the pass over one shard's
/// slice, the merge appends the slices in shard order, and `make` finishes from the whole.
///
/// The gather/finish seam: `make` calls `gathered(context)`, which returns the merged shards'
/// payload when `loupe merge` supplied one and otherwise gathers over every image, so a
/// single-machine run and a sharded one reduce in the same order.
protocol GatheringSection: ReportSection {
    associatedtype Gathered: ShardPayload
    /// The section's dataset pass over `shard`'s slice of its work list.
    func gather(_ context: JobContext, shard: ShardSpec) throws -> Gathered
}

extension GatheringSection {
    /// The pass over every image: from the merged shards when merging, else computed now.
    func gathered(_ context: JobContext) throws -> Gathered {
        if let merged = context.gatheredParts[Self.name] {
            guard let typed = merged as? Gathered else {
                throw LoupeError(.invalidInput, location: "shards", "the merged '\(Self.name)' part has the wrong type")
            }
            return typed
        }
        return try gather(context, shard: .whole)
    }

    /// `gather` returning an existential (the shard runner holds sections as `any GatheringSection`).
    func gatherPayload(_ context: JobContext, shard: ShardSpec) throws -> any ShardPayload {
        try gather(context, shard: shard)
    }

    /// Decodes this section's payload from a shard file.
    func decodePayload(_ reader: inout ShardReader) throws -> any ShardPayload {
        try Gathered.decode(from: &reader)
    }
}
