import Foundation
import LoupePipeline
import LoupeTestSupport
import XCTest

/// Config decoding: defaults, path resolution, every problem with its JSON path, and the published schema.
final class ConfigTests: XCTestCase {
    /// Kept for the test's lifetime: the scratch folder is removed when it is released.
    var scratch: PipelineScratch?

    func write(_ text: String) throws -> (PipelineScratch, String) {
        let scratch = try PipelineScratch("config")
        self.scratch = scratch
        _ = try scratch.writeTinyModel("m.onnx", classes: 10)
        return (scratch, try scratch.write(text, to: "c.json"))
    }

    /// The demo config and the real-data example configs validate: JSON, models load, datasets open.
    func testShippedConfigsValidate() throws {
        let root = fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent()
        var lines = [String]()
        let log = RunLog(quiet: false, sink: { lines.append($0) })
        XCTAssertEqual(BatchRunner.validate(configPath: root.appendingPathComponent("config.json").path, log: log), 0,
                       lines.joined(separator: "\n"))
        for name in ["nightly.json", "compare.json"] {
            let path = root.appendingPathComponent("Examples").appendingPathComponent(name).path
            XCTAssertEqual(BatchRunner.validate(configPath: path, log: log), 0, lines.joined(separator: "\n"))
        }
        guard sharedDirectory != nil else {
            throw XCTSkip("../shared is not beside the checkout: Examples/*.json read its MNIST and CIFAR data")
        }
        for name in ["shared-data.json", "mnist-mlp.json"] {
            let path = root.appendingPathComponent("Examples").appendingPathComponent(name).path
            XCTAssertEqual(BatchRunner.validate(configPath: path, log: log), 0, lines.joined(separator: "\n"))
        }
        // The CIFAR job scores only images 600-999: the model was trained on 0-599.
        XCTAssertTrue(lines.contains { $0.contains("10000 images") } && lines.contains { $0.contains("400 images") },
                      lines.joined(separator: "\n"))
    }

    func testDefaultsAndRelativePaths() throws {
        let (scratch, path) = try write(#"{"jobs": [{"name": "a", "model": {"path": "m.onnx"}, "dataset": {"kind": "synthetic-shapes"}}]}"#)
        let config = try LoupeConfig.load(path: path)
        let job = try XCTUnwrap(config.jobs.first)
        XCTAssertEqual(job.modelPath, scratch.path("m.onnx"))
        XCTAssertEqual(job.outputFolder, scratch.path("reports"))
        XCTAssertEqual(job.sections, LoupeConfig.sectionNames)
        XCTAssertEqual(job.batchSize, 32)
        XCTAssertEqual(job.pageSize, "a4")
        XCTAssertEqual(job.gradients.integratedGradientsSteps, 50)
    }

    func testSectionOptionsAreRead() throws {
        let (_, path) = try write(#"{"jobs": [{"name": "a", "model": {"path": "m.onnx"}, "dataset": {"kind": "synthetic-shapes"}, "sections": {"weights": {"shared_scale": false, "max_filters": 8}, "activations": {"samples": 2, "top_k": 4}, "gradients": {"ig_steps": 20}}}]}"#)
        let job = try XCTUnwrap(try LoupeConfig.load(path: path).jobs.first)
        XCTAssertEqual(job.sections, ["summary", "weights", "activations", "gradients"])
        XCTAssertFalse(job.weights.sharedScale)
        XCTAssertEqual(job.weights.maxFirstLayerFilters, 8)
        XCTAssertEqual(job.activations.sampleCount, 2)
        XCTAssertEqual(job.activations.topK, 4)
        XCTAssertEqual(job.gradients.integratedGradientsSteps, 20)
    }

    func testEveryProblemIsReportedWithItsPath() throws {
        let (_, path) = try write(#"{"jobs": [{"name": "a", "model": {"path": "m.onnx"}, "dataset": {"kind": "synthetic-shapez", "limit": 0}, "sections": {"gradients": {"ig_steps": "many", "methods": ["saliencyy"]}}, "page_size": "a5"}]}"#)
        XCTAssertThrowsError(try LoupeConfig.load(path: path)) { error in
            let message = String(describing: error)
            for expected in ["jobs[0].dataset.kind", "did you mean 'synthetic-shapes'", "jobs[0].dataset.limit: expected 1",
                             "jobs[0].sections.gradients.ig_steps: expected an integer", "jobs[0].sections.gradients.methods[0]",
                             "jobs[0].page_size"] {
                XCTAssertTrue(message.contains(expected), "'\(message)' lacks '\(expected)'")
            }
            XCTAssertFalse(message.contains("\n"))
        }
    }

    func testAValidJobRunsBesideAnInvalidOne() throws {
        let (_, path) = try write(#"{"jobs": [{"name": "a", "model": {"path": "m.onnx"}, "dataset": {"kind": "synthetic-shapes"}}, {"name": "b", "modle": {}}]}"#)
        let config = try LoupeConfig.load(path: path)
        XCTAssertEqual(config.jobs.map(\.name), ["a"])
        XCTAssertEqual(config.rejectedJobs.count, 1)
        XCTAssertTrue(config.rejectedJobs[0].message.contains("jobs[1].modle: unknown key; did you mean 'model'?"), config.rejectedJobs[0].message)
    }

    func testPublishedSchemaListsTheKeysTheReaderAccepts() throws {
        let url = fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("config.schema.json")
        guard case .object(let schema) = try JSONValue.parse(Data(contentsOf: url)) else { return XCTFail("schema is not an object") }
        func properties(_ value: JSONValue?, _ path: [String]) -> [String] {
            var node = value
            for key in path {
                guard case .object(let object)? = node else { return [] }
                node = object[key]
            }
            guard case .object(let object)? = node, case .object(let props)? = object["properties"] else { return [] }
            return props.keys.sorted()
        }
        let job: JSONValue? = {
            guard case .object(let jobs)? = properties(.object(schema), []).isEmpty ? nil : (schema["properties"].flatMap { v -> JSONValue? in
                if case .object(let o) = v { return o["jobs"] } else { return nil } }) else { return nil }
            return jobs["items"]
        }()
        XCTAssertEqual(properties(job, []), (LoupeConfig.jobKeys + LoupeConfig.reviewJobKeys).sorted())
        XCTAssertEqual(properties(job, ["properties", "model"]), LoupeConfig.modelKeys.sorted())
        XCTAssertEqual(properties(job, ["properties", "dataset"]), LoupeConfig.datasetKeys.sorted())
        XCTAssertEqual(properties(job, ["properties", "model", "properties", "preprocessing"]), LoupeConfig.preprocessingKeys.sorted())
        XCTAssertEqual(properties(job, ["properties", "sections"]), LoupeConfig.sectionNames.sorted())
    }
}
