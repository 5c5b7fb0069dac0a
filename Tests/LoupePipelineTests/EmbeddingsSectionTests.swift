import Foundation
import LoupeAnalysis
import LoupeData
import LoupeEngine
@testable import LoupePipeline
import LoupeReport
import LoupeReportCairo
import LoupeTensor
import LoupeTestSupport
import XCTest

/// The embeddings section: layer choice, sampling, pooling, numbers, determinism and option errors.
final class EmbeddingsSectionTests: XCTestCase {
    func context(count: Int = 60) throws -> JobContext {
        try SectionTestSupport.context(fixture: "cnn_opset17", dataset: NoiseImages(count: count, sampleShape: [1, 28, 28]),
                                       sections: ["embeddings"])
    }

    func testDefaultLayersOnTheFixtureCNN() throws {
        let model = try context().model
        let plan = try model.plan(inputShapes: [model.primaryInputName: [1, 1, 28, 28]])
        let layers = EmbeddingLayerChoice.defaults(model: model, plan: plan)
        // Candidates between input and penultimate: /Relu, /pool/MaxPool, /Relu_1, /pool_1/MaxPool → index 2.
        XCTAssertEqual(layers.map(\.name), ["input", "/Relu_1_output_0", "/Relu_2_output_0"])
        XCTAssertEqual(layers.map(\.role), ["input", "middle", "penultimate"])
        XCTAssertEqual(layers.map(\.shape), [[1, 28, 28], [16, 12, 12], [32]])
        XCTAssertEqual(layers.map(\.shortName), ["input", "Relu_1", "Relu_2"])
        // An MLP has nothing between its input and its hidden layer: two maps.
        let mlp = try SectionTestSupport.context(fixture: "mlp_8x8", dataset: NoiseImages(count: 4, sampleShape: [1, 8, 8]),
                                                 sections: ["embeddings"]).model
        let mlpPlan = try mlp.plan(inputShapes: [mlp.primaryInputName: [1, 1, 8, 8]])
        XCTAssertEqual(EmbeddingLayerChoice.defaults(model: mlp, plan: mlpPlan).map(\.name), ["input", "/2/Relu_output_0"])
        // ResNet-18: the flattened pooled features feed the head; the middle layer is pooled down to at most 4,096 features.
        let resnet = try SectionTestSupport.context(fixture: "resnet18", dataset: NoiseImages(count: 2, sampleShape: [3, 64, 64]),
                                                    sections: ["embeddings"]).model
        let resnetPlan = try resnet.plan(inputShapes: [resnet.primaryInputName: [1, 3, 64, 64]])
        let chosen = EmbeddingLayerChoice.defaults(model: resnet, plan: resnetPlan)
        XCTAssertEqual(chosen.map(\.role), ["input", "middle", "penultimate"])
        XCTAssertEqual(chosen[2].shape, [512])
        XCTAssertEqual(chosen[1].shape.count, 3)
        for layer in chosen {
            let factor = EmbeddingFeatures.poolingFactor(shape: layer.shape, cap: 4096)
            XCTAssertLessThanOrEqual(EmbeddingFeatures.pooledCount(shape: layer.shape, factor: factor), 4096, "\(layer)")
        }
    }

    func testSectionNumbersArePresentAndDeterministic() throws {
        let context = try self.context()
        var options = EmbeddingsOptions()
        options.points = 40
        let first = try EmbeddingsSection(options: options).make(context)
        let second = try EmbeddingsSection(options: options).make(context)
        XCTAssertEqual(first.numbers.withoutTimings.json(), second.numbers.withoutTimings.json())
        let json = first.numbers.withoutTimings.json()
        for key in ["\"points\": 40", "\"perplexity_used\": 13", "\"neighbours\": 10", "\"class_counts\": [4, 4, 4, 4, 4, 4, 4, 4, 4, 4]",
                    "\"knn_accuracy_original\"", "\"trustworthiness\"", "\"knn_accuracy_2d\"", "\"kl_divergence\"",
                    "\"explained_variance_ratio\""] {
            XCTAssertTrue(json.contains(key), "missing \(key) in \(json)")
        }
        XCTAssertFalse(json.contains("null"), json)
        XCTAssertFalse(json.contains("\"skipped\""), json)
        let xy = try XCTUnwrap(first.arrays.first { $0.0 == "xy_tsne_Relu_2" }?.1)
        XCTAssertEqual(xy.shape, [40, 2])
        XCTAssertEqual(xy.scalars, second.arrays.first { $0.0 == "xy_tsne_Relu_2" }?.1.scalars)
        XCTAssertEqual(first.arrays.count, 2 + 3 * 2)
        let charts = first.sections.flatMap(\.blocks).filter { if case .chart = $0 { return true }; return false }
        XCTAssertEqual(charts.count, 3 * 2 + 1)
        _ = try CairoPDFRenderer().render(Document(title: "Embeddings", sections: first.sections), to: "/tmp/loupe-embeddings-test.pdf")
    }

    func testGatheredRowsMatchADirectForwardPass() throws {
        let context = try self.context(count: 30)
        var options = EmbeddingsOptions()
        options.layers = ["/pool/MaxPool_output_0"]
        options.maxFeatures = 400  // 8 x 14 x 14 = 1568 > 400 → factor 2 → 8 x 7 x 7 = 392
        let section = EmbeddingsSection(options: options)
        let model = context.model
        let plan = try model.plan(inputShapes: [model.primaryInputName: [1, 1, 28, 28]])
        let layers = try EmbeddingLayerChoice.resolve(options.layers ?? [], model: model, plan: plan)
        let indices = [3, 7, 8, 20, 29]
        let features = try XCTUnwrap(try section.gather(context, layers: layers, indices: indices).first)
        XCTAssertEqual(features.poolingFactor, 2)
        XCTAssertEqual(features.dimension, 392)
        let (images, _) = try context.dataset.batch(indices)
        let value = try XCTUnwrap(try model.run(images, taps: ["/pool/MaxPool_output_0"]).taps["/pool/MaxPool_output_0"]?.asFloat)
        // Row 2, channel 5, pooled cell (3, 6) = mean of the 2 x 2 block at rows 6-7, columns 12-13.
        let plane = 14 * 14, base = (2 * 8 + 5) * plane
        let block = [6 * 14 + 12, 6 * 14 + 13, 7 * 14 + 12, 7 * 14 + 13].map { value.scalars[base + $0] }
        XCTAssertEqual(features.values[2 * 392 + 5 * 49 + 3 * 7 + 6], block.reduce(0, +) / 4, accuracy: 1e-6)
    }

    func testSharedTrustworthinessEqualsOneMapAtATime() throws {
        var random = TestRandom(seed: 4)
        let input = try EmbeddingPoints(tensor: random.tensor([50, 6]))
        let maps = try (0..<3).map { _ in try EmbeddingPoints(tensor: random.tensor([50, 2])) }
        let shared = try EmbeddingQuality.trustworthiness(input: input, embeddings: maps, k: 7)
        let single = try maps.map { try EmbeddingQuality.trustworthiness(input: input, embedding: $0, k: 7) }
        XCTAssertEqual(shared, single)
        XCTAssertEqual(Set(shared).count, 3)
        XCTAssertEqual(try EmbeddingQuality.trustworthiness(input: input, embedding: input, k: 7), 1, accuracy: 1e-12)
    }

    func testPoolingFactorAndEdgeBlocks() {
        XCTAssertEqual(EmbeddingFeatures.poolingFactor(shape: [16, 32, 32], cap: 4096), 2)
        XCTAssertEqual(EmbeddingFeatures.poolingFactor(shape: [3, 224, 224], cap: 4096), 7)
        XCTAssertEqual(EmbeddingFeatures.poolingFactor(shape: [32, 8, 8], cap: 4096), 1)
        XCTAssertEqual(EmbeddingFeatures.poolingFactor(shape: [8192], cap: 4096), 1)
        XCTAssertEqual(EmbeddingFeatures.poolingFactor(shape: [5000, 2, 2], cap: 4096), 2)
        var out = [Float]()
        let source: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        source.withUnsafeBufferPointer { EmbeddingFeatures.appendPooled($0, shape: [1, 3, 3], factor: 2, to: &out) }
        XCTAssertEqual(out, [3, 4.5, 7.5, 9])
        // A channels-last [H, W, C] = [2, 2, 2] value pooled by 2: one mean per channel, channels in order.
        let channelsLast: [Float] = [1, 10, 2, 20, 3, 30, 4, 40]
        var pooled = [Float]()
        channelsLast.withUnsafeBufferPointer { EmbeddingFeatures.appendPooled($0, shape: [2, 2, 2], channelsLast: true, factor: 2, to: &pooled) }
        XCTAssertEqual(pooled, [2.5, 25])
    }

    func testSwinMiddleLayerIsAStageReadWithItsChannelsLast() throws {
        let swin = try Model(path: Fixtures.path("matrix", "swin_1stage.onnx"))
        let plan = try swin.plan(inputShapes: [swin.primaryInputName: [1, 3, 32, 32]])
        let layers = EmbeddingLayerChoice.defaults(model: swin, plan: plan)
        XCTAssertEqual(layers.map(\.role), ["input", "middle", "penultimate"])
        XCTAssertEqual(layers[1].opType, "LayerNormalization")
        XCTAssertTrue(layers[1].channelsLast)
        XCTAssertFalse(layers[1].classToken)
        XCTAssertEqual(layers[1].shape, [8, 8, 16])
        XCTAssertEqual(layers[1].mapShape, [16, 8, 8])
    }

    func testStratifiedSampleKeepsClassShares() {
        let labels = (0..<1000).map { $0 < 700 ? 0 : ($0 < 950 ? 1 : 2) }
        var generator = SeededGenerator(seed: 5)
        let sample = EmbeddingsSection.stratifiedSample(labels: labels, count: 101, generator: &generator)
        XCTAssertEqual(sample.count, 101)
        XCTAssertEqual(sample, sample.sorted())
        XCTAssertEqual(Set(sample).count, 101)
        // Exact shares 70.7, 25.25, 5.05 → 70 + 25 + 5 = 100, the spare one goes to the largest remainder (class 0).
        XCTAssertEqual([0, 1, 2].map { c in sample.filter { labels[$0] == c }.count }, [71, 25, 5])
        var again = SeededGenerator(seed: 5)
        XCTAssertEqual(EmbeddingsSection.stratifiedSample(labels: labels, count: 101, generator: &again), sample)
        var other = SeededGenerator(seed: 6)
        XCTAssertNotEqual(EmbeddingsSection.stratifiedSample(labels: labels, count: 101, generator: &other), sample)
        XCTAssertEqual(EmbeddingsSection.stratifiedSample(labels: labels, count: 5000, generator: &generator), Array(0..<1000))
    }

    func testUnknownLayerListsCandidatesWithASuggestion() throws {
        let context = try self.context(count: 20)
        var options = EmbeddingsOptions()
        options.layers = ["input", "/Relu_1_output0"]
        XCTAssertThrowsError(try EmbeddingsSection(options: options).make(context)) { error in
            let message = String(describing: error)
            XCTAssertEqual((error as? LoupeError)?.kind, .invalidConfig)
            XCTAssertEqual(ExitCodes.code(for: error), 78)
            XCTAssertTrue(message.contains("sections.embeddings.layers[1]"), message)
            XCTAssertTrue(message.contains("did you mean '/Relu_1_output_0'?"), message)
            XCTAssertTrue(message.contains("candidates: input, /Relu_output_0, /pool/MaxPool_output_0"), message)
            XCTAssertFalse(message.contains("\n"), message)
        }
    }

    func testSmallSamplesLowerPerplexityAndTooFewPointsAreRefused() throws {
        var options = EmbeddingsOptions()
        options.points = 1
        XCTAssertThrowsError(try options.validate()) { error in
            XCTAssertTrue(String(describing: error).contains("sections.embeddings.points"), "\(error)")
        }
        options.points = 2
        XCTAssertNoThrow(try options.validate())
        options.methods = ["tsne", "umap"]
        XCTAssertThrowsError(try options.validate())
        // Three images: PCA is drawn, t-SNE is skipped with a note, k drops to 1.
        var small = EmbeddingsOptions()
        small.points = 3
        let output = try EmbeddingsSection(options: small).make(try context(count: 3))
        let json = output.numbers.json()
        XCTAssertTrue(json.contains("\"neighbours\": 1") && json.contains("t-SNE needs at least 4 images"), json)
        // One image: no map, a short explanation instead.
        let empty = try EmbeddingsSection().make(try context(count: 1))
        XCTAssertTrue(empty.numbers.json().contains("\"points\": 0"))
        XCTAssertEqual(empty.sections.first?.blocks.count, 1)
    }

    func testConfigReadsEmbeddingsOptionsAndReportsProblems() throws {
        let scratch = try PipelineScratch("embeddings-config")
        _ = try scratch.writeTinyModel("m.onnx", classes: 10)
        let good = try scratch.write(#"{"jobs": [{"name": "a", "model": {"path": "m.onnx"}, "dataset": {"kind": "synthetic-shapes"}, "sections": {"embeddings": {"layers": ["x"], "points": 500, "methods": ["tsne"], "perplexity": 12.5}}}]}"#, to: "good.json")
        let job = try XCTUnwrap(try LoupeConfig.load(path: good).jobs.first)
        XCTAssertEqual(job.sections, ["summary", "embeddings"])
        XCTAssertEqual(job.embeddings.layers, ["x"])
        XCTAssertEqual(job.embeddings.points, 500)
        XCTAssertEqual(job.embeddings.methods, ["tsne"])
        XCTAssertEqual(job.embeddings.perplexity, 12.5)
        let bad = try scratch.write(#"{"jobs": [{"name": "a", "model": {"path": "m.onnx"}, "dataset": {"kind": "synthetic-shapes"}, "sections": {"embeddings": {"points": 1, "methods": ["tnse"], "perplexity": -3, "layer": ["x"]}}}]}"#, to: "bad.json")
        XCTAssertThrowsError(try LoupeConfig.load(path: bad)) { error in
            let message = String(describing: error)
            for expected in ["jobs[0].sections.embeddings.points: expected 2...1000000", "jobs[0].sections.embeddings.methods[0]",
                             "did you mean 'tsne'", "jobs[0].sections.embeddings.perplexity", "jobs[0].sections.embeddings.layer: unknown key; did you mean 'layers'"] {
                XCTAssertTrue(message.contains(expected), "missing \(expected) in \(message)")
            }
        }
    }

    /// The trained MNIST CNN on real MNIST (skipped without `../shared` or the model): classes separate more with depth.
    func testSeparationGrowsWithDepthOnMNIST() throws {
        guard let shared = sharedDirectory else { throw XCTSkip("../shared is not present") }
        let folder = shared.appendingPathComponent("data/mnist")
        let images = folder.appendingPathComponent("t10k-images-idx3-ubyte.gz").path
        let labels = folder.appendingPathComponent("t10k-labels-idx1-ubyte.gz").path
        let modelPath = fixturesDirectory.appendingPathComponent("models/mnist_cnn.onnx").path
        guard FileManager.default.fileExists(atPath: images), FileManager.default.fileExists(atPath: modelPath) else {
            throw XCTSkip("MNIST or Tests/Fixtures/models/mnist_cnn.onnx is missing")
        }
        let dataset = try SubsetDataset(try IDXDataset(imagesPath: images, labelsPath: labels), options: DatasetOptions(limit: 2000))
        let model = try Model(path: modelPath)
        let context = JobContext(job: SectionTestSupport.job(model: modelPath, sections: ["embeddings"]), model: model,
                                 classifier: try Classifier(model: model), dataset: dataset, classNames: dataset.classNames,
                                 templates: try TemplateRenderer(folder: SectionTestSupport.templatesFolder), evaluation: Evaluation(),
                                 log: { _ in })
        var options = EmbeddingsOptions()
        options.points = 300
        options.methods = ["pca"]
        let output = try EmbeddingsSection(options: options).make(context)
        guard case .object(let entries) = output.numbers, case .list(let layers)? = entries.first(where: { $0.0 == "layers" })?.1 else {
            return XCTFail("no layers")
        }
        let accuracies: [Double] = layers.compactMap { layer in
            guard case .object(let fields) = layer, case .number(let v)? = fields.first(where: { $0.0 == "knn_accuracy_original" })?.1 else { return nil }
            return v
        }
        XCTAssertEqual(accuracies.count, 3)
        XCTAssertGreaterThan(accuracies[2], accuracies[0] + 0.02, "\(accuracies)")
        XCTAssertGreaterThan(accuracies[2], 0.9, "\(accuracies)")
    }

    /// The demo model's default layers: input, pool2 (32 x 8 x 8) and the flattened pooled features.
    func testDemoModelDefaultLayers() throws {
        let root = fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent()
        let model = try Model(path: root.appendingPathComponent("Demo/shapes-cnn.onnx").path)
        let plan = try model.plan(inputShapes: [model.primaryInputName: [1, 3, 32, 32]])
        let layers = EmbeddingLayerChoice.defaults(model: model, plan: plan)
        XCTAssertEqual(layers.map(\.role), ["input", "middle", "penultimate"])
        XCTAssertEqual(layers[1].shape, [32, 8, 8])
        XCTAssertEqual(layers[2].shape, [32])
    }
}
