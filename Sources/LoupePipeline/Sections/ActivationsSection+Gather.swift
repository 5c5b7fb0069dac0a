import Foundation
import LoupeAnalysis
import LoupeData
import LoupeTensor

/// The activation pass split for shards: `gather` scans a slice of the images, `finish` turns the whole into `LayerScan`s.
extension ActivationsSection: GatheringSection {
    /// Which layers the pass taps: the drawn ones and those with top-k heaps.
    struct ScanPlan {
        var shown: [ActivationLayers.Candidate]
        var scanned: [ActivationLayers.Candidate]
        var topValues: Set<String>
    }

    /// The layers to scan; nil when the model has no feature maps or the dataset no images.
    func scanPlan(_ context: JobContext) throws -> ScanPlan? {
        let model = context.model
        let plan = try model.plan(inputShapes: [model.primaryInputName: [1] + context.dataset.sampleShape])
        let candidates = ActivationLayers.candidates(in: model.graph, shapes: { plan.shape(of: $0) })
            + ActivationLayers.tokenCandidates(in: model.graph, plan: plan)
        guard !candidates.isEmpty, context.dataset.count > 0 else { return nil }
        let shown = ActivationLayers.evenlySpaced(candidates, limit: max(1, options.maxLayers))
        let convLike = candidates.filter { $0.opType != "MaxPool" && $0.opType != "AveragePool" }
        let topValues = Set((convLike.isEmpty ? candidates : convLike).suffix(max(0, options.topLayers)).map(\.value))
        let shownValues = Set(shown.map(\.value))
        let scanned = candidates.filter { shownValues.contains($0.value) || topValues.contains($0.value) }
        return ScanPlan(shown: shown, scanned: scanned, topValues: topValues)
    }

    /// Empty scans of the planned layers (statistics and heaps with nothing added).
    func emptyScans(_ context: JobContext, plan: ScanPlan) -> [LayerScan] {
        var producers = [String: String]()
        for node in context.model.graph.nodes { for out in node.outputs { producers[out] = node.opType } }
        return plan.scanned.map { layer -> LayerScan in
            let kind = ActivationKind.of(opType: producers[layer.value] ?? layer.opType)
            // Every channel (up to a cap) is tracked so that the rows can show the most informative ones (ChannelChoice).
            let tracked = plan.topValues.contains(layer.value) ? min(ActivationsOptions.trackedChannelCap, layer.shape[0]) : 0
            return LayerScan(candidate: layer, statistics: ChannelStatistics(channels: layer.shape[0], kind: kind),
                             top: (0..<tracked).map { _ in TopActivations(capacity: options.topK) })
        }
    }

    /// One pass over the shard's images in blocks: per-block channel statistics (folded at once when the
    /// slice starts at image 0) and top-k heaps of the tracked channels.
    func gather(_ context: JobContext, shard: ShardSpec) throws -> ActivationsGathered {
        guard let plan = try scanPlan(context) else { return ActivationsGathered(folded: [], pending: [], top: []) }
        let empty = emptyScans(context, plan: plan)
        var top = empty.map(\.top)
        let taps = Set(plan.scanned.map(\.value))
        let blocks = shard.blocks(of: Array(0..<context.dataset.count), batchSize: context.job.batchSize)
        let startsAtZero = shard.positions(of: context.dataset.count, batchSize: context.job.batchSize).lowerBound == 0 && !blocks.isEmpty
        var folded: [ChannelStatistics]? = startsAtZero ? empty.map(\.statistics) : nil
        var pending = [[ChannelStatistics]]()
        for block in blocks {
            var statistics = empty.map(\.statistics)
            for indices in block {
                let (images, _) = try context.dataset.batch(indices)
                let result = try context.model.run(images, taps: taps)
                for l in empty.indices {
                    // Token layers ([N, 1+H*W, C]) are mapped to their patch grid; other layers must be 4-D already.
                    guard let tapped = result.taps[empty[l].candidate.value]?.asFloat, let value = try empty[l].candidate.map(tapped) else {
                        throw LoupeError(.invalidModel, location: empty[l].candidate.value, "the layer did not produce a 4-D value")
                    }
                    try statistics[l].add(value)
                    Self.offer(value, indices: indices, candidate: empty[l].candidate, to: &top[l])
                }
            }
            if var total = folded {
                for l in total.indices { try total[l].absorb(statistics[l]) }
                folded = total
            } else {
                pending.append(statistics)
            }
        }
        return ActivationsGathered(folded: folded, pending: pending, top: top)
    }

    /// Offers every image's score of each tracked channel (the spatial maximum; the patch mean on token layers) to its heap.
    static func offer(_ value: Tensor, indices: [Int], candidate: ActivationLayers.Candidate, to heaps: inout [TopActivations]) {
        let tracked = heaps.count
        guard tracked > 0 else { return }
        let (n, c, h, w) = (value.shape[0], value.shape[1], value.shape[2], value.shape[3])
        value.scalars.withUnsafeBufferPointer { src in
            for i in 0..<n {
                for ch in 0..<tracked {
                    let map = UnsafeBufferPointer(rebasing: src[((i * c + ch) * h * w)..<((i * c + ch + 1) * h * w)])
                    let best = candidate.channelScore(map, width: w)
                    heaps[ch].offer(ActivationHit(score: best.value, index: indices[i], row: best.row, column: best.column))
                }
            }
        }
    }

    /// The scans of every image from the gathered pass (statistics folded in block order).
    func finish(_ gathered: ActivationsGathered, layers plan: ScanPlan, context: JobContext) throws -> [LayerScan] {
        var scans = emptyScans(context, plan: plan)
        var statistics = gathered.folded ?? scans.map(\.statistics)
        for block in gathered.pending {
            for l in statistics.indices where l < block.count { try statistics[l].absorb(block[l]) }
        }
        guard statistics.count == scans.count, gathered.top.count == scans.count else {
            throw LoupeError(.invalidInput, location: "shards", "the activation pass covers \(statistics.count) layers, the job \(scans.count)")
        }
        for l in scans.indices {
            scans[l].statistics = statistics[l]
            scans[l].top = gathered.top[l]
        }
        return scans
    }
}

/// The activation pass over a slice of the images.
struct ActivationsGathered: ShardPayload {
    /// Per layer: the statistics of every block from image 0 on, folded in block order (nil when the slice starts later).
    var folded: [ChannelStatistics]?
    /// Per block, per layer: statistics of blocks not folded yet (a slice that starts after image 0).
    var pending: [[ChannelStatistics]]
    /// Per layer, per tracked channel: the top-k heap (a total order, so heaps merge exactly).
    var top: [[TopActivations]]

    mutating func append(_ next: ActivationsGathered) throws {
        if let prefix = next.folded {
            guard folded == nil, pending.isEmpty else { throw LoupeError(.invalidInput, location: "shards", "two slices start at image 0") }
            folded = prefix
            pending = next.pending
        } else if var total = folded {
            for block in next.pending { for l in total.indices where l < block.count { try total[l].absorb(block[l]) } }
            folded = total
        } else {
            pending += next.pending
        }
        if top.isEmpty { top = next.top; return }
        for l in top.indices where l < next.top.count {
            for ch in top[l].indices where ch < next.top[l].count {
                for hit in next.top[l][ch].sorted { top[l][ch].offer(hit) }
            }
        }
    }

    func encode(into writer: inout ShardWriter) {
        writer.flag(folded != nil)
        if let folded { writer.list(folded, Self.encodeStatistics) }
        writer.list(pending) { writer, block in writer.list(block, Self.encodeStatistics) }
        writer.list(top) { writer, heaps in
            writer.list(heaps) { writer, heap in
                writer.int(heap.capacity)
                writer.list(heap.sorted) { writer, hit in
                    writer.float(hit.score); writer.int(hit.index); writer.int(hit.row); writer.int(hit.column)
                }
            }
        }
    }

    static func decode(from reader: inout ShardReader) throws -> ActivationsGathered {
        let hasPrefix = try reader.flag("activation prefix flag")
        let folded = hasPrefix ? try reader.list("layers", decodeStatistics) : nil
        let pending = try reader.list("blocks") { reader in try reader.list("layers", decodeStatistics) }
        let top = try reader.list("layers") { reader in
            try reader.list("channels") { reader -> TopActivations in
                var heap = TopActivations(capacity: try reader.int("capacity"))
                for hit in try reader.list("hits", { reader in
                    ActivationHit(score: try reader.float(), index: try reader.int(), row: try reader.int(), column: try reader.int())
                }) { heap.offer(hit) }
                return heap
            }
        }
        return ActivationsGathered(folded: folded, pending: pending, top: top)
    }

    static func encodeStatistics(_ writer: inout ShardWriter, _ statistics: ChannelStatistics) {
        let a = statistics.accumulators
        writer.text(statistics.kind.rawValue)
        writer.int(a.images); writer.int(a.positions)
        writer.doubles(a.sums); writer.ints(a.zeros); writer.ints(a.positives); writer.ints(a.nearBound); writer.floats(a.maxima)
    }

    static func decodeStatistics(_ reader: inout ShardReader) throws -> ChannelStatistics {
        let kindName = try reader.text("activation kind")
        guard let kind = ActivationKind(rawValue: kindName) else {
            throw LoupeError(.invalidInput, file: reader.file, location: "activations", "unknown activation kind '\(kindName)'")
        }
        let accumulators = ChannelStatistics.Accumulators(
            images: try reader.int(), positions: try reader.int(), sums: try reader.doubles("sums"), zeros: try reader.ints("zeros"),
            positives: try reader.ints("positives"), nearBound: try reader.ints("near-bound counts"), maxima: try reader.floats("maxima"))
        return try ChannelStatistics(kind: kind, accumulators: accumulators)
    }
}
