import Foundation
import LoupeAnalysis
import LoupeReport

extension JobRunner {
    /// Runs `shard`'s slice of every dataset pass of the job (evaluation, then each section's) and writes
    /// `<output>/<job>/shards/<config hash>/I-of-N.loupeshard`; returns its path. No report is written.
    func runShard(_ shard: ShardSpec) throws -> String {
        let (model, classifier, sampleShape) = try openModel()
        let dataset = try DatasetFactory.open(job, sampleShape: sampleShape, classNames: job.classNames)
        let classNames = job.classNames ?? dataset.classNames
        let templates = try TemplateRenderer(folders: [job.templatesFolder, try defaultTemplatesFolder()].compactMap { $0 })
        log.info("shard \(shard): evaluating \(shard.positions(of: dataset.count, batchSize: job.batchSize).count) of \(dataset.count) images…",
                 job: job.name)
        let evaluation = try evaluate(classifier: classifier, dataset: dataset, classCount: classNames.count, shard: shard)
        let (sized, _) = try sizedJob(model: model, dataset: dataset, classCount: classNames.count)
        let context = JobContext(job: sized, model: model, classifier: classifier, dataset: dataset, classNames: classNames,
                                 templates: templates, evaluation: evaluation, log: { log.info($0, job: job.name) })
        context.reproducible = reproducible
        var parts = [(name: String, payload: Data)]()
        func add(_ name: String, _ payload: any ShardPayload) {
            var writer = ShardWriter()
            payload.encode(into: &writer)
            parts.append((name, writer.data))
        }
        add(ShardRuns.evaluationPart, evaluation)
        for section in ShardRuns.gatheringSections(of: sized) {
            log.info("shard \(shard): section \(section.name)…", job: job.name)
            add(section.name, try section.section.gatherPayload(context, shard: shard))
        }
        let identity = ShardIdentity(configHash: ShardIdentity.configHash(job), modelSHA256: SHA256.hex(file: job.modelPath) ?? "",
                                     datasetFingerprint: dataset.fingerprint, loupeVersion: LoupeVersion.string, job: job.name,
                                     images: dataset.count)
        ShardRuns.removeAbandonedTemporaries(of: job, log: log)
        return try ShardFile(identity: identity, shard: shard, parts: parts).write(into: ShardIdentity.folder(for: job))
    }
}
