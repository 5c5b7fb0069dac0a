import Foundation
import LoupeAnalysis
import LoupeTensor

/// Every shard of one job, read, checked against each other and the job, and appended in shard order.
struct MergedShards {
    var evaluation: Evaluation
    /// Section name → the merged payload of its dataset pass.
    var sections: [String: any ShardPayload]
    /// The shard files read, in order.
    var files: [String]
    /// What every shard agreed on (the model's SHA-256 among it), so the merge need not hash the model again.
    var identity: ShardIdentity

    /// Reads `<output>/<job>/shards/<config hash>/`: all N shards must be there and agree with `expected`.
    ///
    /// Fails with one line naming the first missing or mismatched shard; nothing is written either way.
    /// `sized` is the job with its sections sized by `ComputeBudget` (the shards' parts were gathered with it);
    /// the folder comes from the job as configured.
    static func load(job: JobConfig, sized: JobConfig? = nil, expected: ShardIdentity) throws -> MergedShards {
        let folder = ShardIdentity.folder(for: job)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { !$0.hasPrefix(".") && $0.hasSuffix(".\(ShardFile.fileExtension)") }.sorted()
        guard !names.isEmpty else {
            let parent = (folder as NSString).deletingLastPathComponent
            let others = ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).filter { !$0.hasPrefix(".") }
            let hint = others.isEmpty ? "run 'loupe run --shard I/N' first"
                : "the shards in \(others.sorted().joined(separator: ", ")) are from another config; rerun the shards"
            throw LoupeError(.invalidInput, file: folder, location: "shards", "no shards of this config (\(hint))")
        }
        var counts = Set<Int>()
        for name in names {
            let stem = name.dropLast(ShardFile.fileExtension.count + 1).split(separator: "-")
            guard stem.count == 3, stem[1] == "of", let count = Int(stem[2]), Int(stem[0]) != nil else {
                throw LoupeError(.invalidInput, file: "\(folder)/\(name)", location: "shards", "not named I-of-N.\(ShardFile.fileExtension)")
            }
            counts.insert(count)
        }
        guard counts.count == 1, let count = counts.first, let spec = try? ShardSpec(index: 0, count: count) else {
            throw LoupeError(.invalidInput, file: folder, location: "shards",
                             "shards of different counts (\(counts.sorted().map(String.init).joined(separator: ", "))); remove the stale ones")
        }
        var files = [String]()
        for index in 0..<spec.count {
            let path = "\(folder)/\(ShardFile.fileName(ShardSpec(uncheckedIndex: index, count: count)))"
            guard FileManager.default.fileExists(atPath: path) else {
                throw LoupeError(.invalidInput, file: path, location: "shards", "shard \(index) of \(count) is missing")
            }
            files.append(path)
        }
        var merged: MergedShards?
        let sections = ShardRuns.gatheringSections(of: sized ?? job)
        let partNames = [ShardRuns.evaluationPart] + sections.map(\.name)
        for (index, path) in files.enumerated() {
            let file = try ShardFile.read(path: path)
            try check(file, index: index, count: count, expected: expected, path: path)
            guard file.parts.map(\.name) == partNames else {
                throw LoupeError(.invalidInput, file: path, location: "parts",
                                 "holds \(file.parts.map(\.name).joined(separator: ", ")), the job needs \(partNames.joined(separator: ", "))")
            }
            var reader = ShardReader(file.parts[0].payload, file: path)
            let evaluation = try Evaluation.decode(from: &reader)
            var payloads = [String: any ShardPayload]()
            for (section, part) in zip(sections, file.parts.dropFirst()) {
                var reader = ShardReader(part.payload, file: path)
                payloads[section.name] = try section.section.decodePayload(&reader)
                guard reader.atEnd else { throw LoupeError(.invalidInput, file: path, location: section.name, "bytes after the part's end") }
            }
            guard var total = merged else {
                merged = MergedShards(evaluation: evaluation, sections: payloads, files: [path], identity: expected)
                continue
            }
            try total.evaluation.append(evaluation)
            for (name, payload) in payloads {
                total.sections[name] = try total.sections[name].map { try $0.appending(payload, file: path) } ?? payload
            }
            total.files.append(path)
            merged = total
        }
        guard let result = merged, result.evaluation.labels.count == expected.images else {
            throw LoupeError(.invalidInput, file: folder, location: "shards", "the shards do not cover the \(expected.images) images")
        }
        return result
    }

    /// One shard's header against the job: config hash, model, dataset, Loupe version and shard count.
    static func check(_ file: ShardFile, index: Int, count: Int, expected: ShardIdentity, path: String) throws {
        let found = file.identity
        let mismatches: [(String, String, String)] = [
            ("job", found.job, expected.job),
            ("config hash", found.configHash, expected.configHash),
            ("model SHA-256", found.modelSHA256, expected.modelSHA256),
            ("dataset fingerprint", found.datasetFingerprint, expected.datasetFingerprint),
            ("Loupe version", found.loupeVersion, expected.loupeVersion),
            ("images", String(found.images), String(expected.images)),
            ("shard", file.shard.description, ShardSpec(uncheckedIndex: index, count: count).description),
        ]
        for (what, have, want) in mismatches where have != want {
            throw LoupeError(.invalidInput, file: path, location: what, "the shard has \(have), the job \(want); rerun shard \(index) of \(count)")
        }
    }
}
