import Foundation
import LoupeEngine
import LoupeTestSupport
import XCTest

/// One model of the committed model matrix (Tests/Fixtures/make_model_matrix.py), as its manifest lists it.
struct MatrixCase: Decodable {
    var name: String
    var variants: [String: String]
    var input: String
    var targets: [Int]
    /// pytorch-grad-cam's GradCAM maps for the targets (ViT and Swin only).
    var gradcam: String?

    /// The manifest's entry `name`.
    static func named(_ name: String) throws -> MatrixCase {
        let url = URL(fileURLWithPath: Fixtures.path("matrix", "manifest.json"))
        let cases = try JSONDecoder().decode([MatrixCase].self, from: Data(contentsOf: url))
        return try XCTUnwrap(cases.first { $0.name == name })
    }

    /// The model file of `variant`.
    func model(variant: String = "standard") throws -> Model {
        try Model(path: Fixtures.path("matrix", variants[variant] ?? ""))
    }
}
