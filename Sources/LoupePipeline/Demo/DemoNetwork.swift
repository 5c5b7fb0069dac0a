import Foundation
import LoupeONNX
import LoupeTensor

/// The demo classifier's architecture: a three-convolution CNN for 32x32 RGB `synthetic-shapes` images.
///
/// `image [N,3,32,32]` → conv1 (3→16, 5x5, pad 2) → relu1 → pool1 (2x2) → conv2 (16→32, 3x3, pad 1)
/// → relu2 → pool2 (2x2) → conv3 (32→32, 3x3, pad 1) → relu3 (`features`, 8x8: the Grad-CAM layer)
/// → gap → flatten → fc (32→10) → `logits`. Weights are He-normal, biases zero.
public enum DemoNetwork {
    /// The graph input name.
    public static let inputName = "image"
    /// The graph output (class scores, no softmax).
    public static let logitsName = "logits"
    /// The last convolutional activation, 32 x 8 x 8: the layer Grad-CAM should use.
    public static let featuresName = "features"
    /// Input side in pixels.
    public static let side = 32
    /// Number of classes (those of `SyntheticShapesDataset`).
    public static let classCount = 10
    /// The ONNX opset the graph declares.
    public static let opset = 17

    /// One convolution's parameters: name prefix, channels and square kernel size.
    struct ConvSpec {
        let name: String
        let inChannels: Int
        let outChannels: Int
        let kernel: Int
    }

    static let convolutions = [ConvSpec(name: "conv1", inChannels: 3, outChannels: 16, kernel: 5),
                               ConvSpec(name: "conv2", inChannels: 16, outChannels: 32, kernel: 3),
                               ConvSpec(name: "conv3", inChannels: 32, outChannels: 32, kernel: 3)]

    /// Builds the graph with freshly initialised parameters drawn from `seed`.
    public static func makeGraph(seed: UInt64) -> Graph {
        var generator = SeededGenerator(seed: seed)
        var initializers = [String: TensorValue]()
        var order = [String]()
        func add(_ name: String, _ tensor: Tensor) {
            initializers[name] = .float(tensor)
            order.append(name)
        }
        for conv in convolutions {
            let fanIn = conv.inChannels * conv.kernel * conv.kernel
            add("\(conv.name).weight", generator.normalTensor(shape: [conv.outChannels, conv.inChannels, conv.kernel, conv.kernel],
                                                               standardDeviation: heStandardDeviation(fanIn: fanIn)))
            add("\(conv.name).bias", Tensor(shape: [conv.outChannels]))
        }
        let features = convolutions[convolutions.count - 1].outChannels
        // The classifier layer is linear (no ReLU after it): fan-in scaling without the factor 2.
        add("fc.weight", generator.normalTensor(shape: [classCount, features],
                                                standardDeviation: Float((1 / Double(features)).squareRoot())))
        add("fc.bias", Tensor(shape: [classCount]))

        var nodes = [Node]()
        var current = inputName
        for (index, conv) in convolutions.enumerated() {
            let layer = index + 1
            let pad = conv.kernel / 2
            nodes.append(Node(name: conv.name, opType: "Conv", inputs: [current, "\(conv.name).weight", "\(conv.name).bias"],
                              outputs: ["\(conv.name)_out"],
                              attributes: ["kernel_shape": .ints([conv.kernel, conv.kernel]), "pads": .ints([pad, pad, pad, pad]),
                                           "strides": .ints([1, 1]), "dilations": .ints([1, 1]), "group": .int(1)]))
            let isLast = index == convolutions.count - 1
            let reluOut = isLast ? featuresName : "relu\(layer)_out"
            nodes.append(Node(name: "relu\(layer)", opType: "Relu", inputs: ["\(conv.name)_out"], outputs: [reluOut]))
            current = reluOut
            if !isLast {
                nodes.append(Node(name: "pool\(layer)", opType: "MaxPool", inputs: [reluOut], outputs: ["pool\(layer)_out"],
                                  attributes: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])]))
                current = "pool\(layer)_out"
            }
        }
        nodes.append(Node(name: "gap", opType: "GlobalAveragePool", inputs: [current], outputs: ["gap_out"]))
        nodes.append(Node(name: "flatten", opType: "Flatten", inputs: ["gap_out"], outputs: ["pooled"],
                          attributes: ["axis": .int(1)]))
        nodes.append(Node(name: "fc", opType: "Gemm", inputs: ["pooled", "fc.weight", "fc.bias"], outputs: [logitsName],
                          attributes: ["transB": .int(1), "alpha": .float(1), "beta": .float(1)]))
        let input = ValueDeclaration(name: inputName, element: .float,
                                     dimensions: [.symbolic("N"), .fixed(3), .fixed(side), .fixed(side)])
        let output = ValueDeclaration(name: logitsName, element: .float, dimensions: [.symbolic("N"), .fixed(classCount)])
        return Graph(name: "shapes-cnn", nodes: nodes, inputs: [input], outputs: [output],
                     initializers: initializers, initializerOrder: order, opsetVersion: opset, producer: "loupe")
    }

    /// The standard deviation of He-normal initialisation for a layer followed by ReLU.
    static func heStandardDeviation(fanIn: Int) -> Float {
        Float((2 / Double(max(fanIn, 1))).squareRoot())
    }

    /// Names of the graph's float initializers (the trainable parameters), in file order.
    public static func parameterNames(of graph: Graph) -> [String] {
        graph.initializerOrder.filter { name in
            if case .float = graph.initializers[name] { return true }
            return false
        }
    }
}
