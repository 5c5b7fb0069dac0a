import Foundation
import LoupeAnalysis
import LoupeCorruptions
import LoupeReport

/// The robustness result described in words: the profile's title and how the run deviates from the references.
extension RobustnessResult {
    /// The profile as the report names it.
    var profileTitle: String {
        switch profile {
        case .cifar: return height == 32 && width == 32 ? "CIFAR-10-C (make_cifar_c.py constants)"
            : "CIFAR-10-C constants on \(width)x\(height) images"
        case .imagenet: return height == 224 && width == 224 ? "ImageNet-C (make_imagenet_c.py constants)"
            : "generic: ImageNet-C constants, size-generalised to \(width)x\(height) (imagecorruptions 1.1.2)"
        }
    }

    /// Every way this run differs from the reference datasets, as sentences (template `robustness_deviations`,
    /// one sentence per line, then the corruptions' own notes).
    func deviations(_ templates: TemplateRenderer) throws -> [String] {
        let reference = (profile == .imagenet && height == 224 && width == 224)
        let text = try templates.text("robustness_deviations", [
            "imagenet_224": reference ? true : nil, "jpeg": jpegQ85 ? true : nil, "jpeg_on_request": !reference && jpegQ85 ? true : nil,
            "imagenet_other": profile == .imagenet && !reference ? true : nil,
            "cifar_other": profile == .cifar && !(height == 32 && width == 32) ? true : nil,
            "small": height < 32 || width < 32 ? true : nil, "gray": channels == 1 ? true : nil,
            "random": corruptions.contains(where: { !(Corruptions.all[$0]?.isDeterministic ?? true) }) ? true : nil,
            "size": "\(width)x\(height)",
        ])
        var lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for name in corruptions {
            // Notes about the ImageNet profile away from 224x224 apply only there.
            let notes = Corruptions.all[name]?.deviations ?? []
            lines += notes.filter { !$0.contains("ImageNet profile") || (profile == .imagenet && !reference) }
        }
        return lines
    }
}
