import Foundation
import LoupeTensor

/// Updates parameters from their gradients (SGD and Adam, used through `ClassifierTraining`).
public protocol Optimizer {
    /// The step size; a schedule may change it between steps.
    var learningRate: Float { get set }
    /// Applies one step to every parameter that has a gradient.
    mutating func step(parameters: inout [String: Tensor], gradients: [String: Tensor])
}

/// Stochastic gradient descent with momentum and decoupled weight decay.
public struct SGD: Optimizer {
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float
    private var velocity: [String: Tensor] = [:]

    public init(learningRate: Float = 0.01, momentum: Float = 0.9, weightDecay: Float = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    public mutating func step(parameters: inout [String: Tensor], gradients: [String: Tensor]) {
        for (name, gradient) in gradients {
            guard var value = parameters[name], value.shape == gradient.shape else { continue }
            var v = velocity[name] ?? Tensor(shape: value.shape)
            for i in 0..<value.count {
                v.scalars[i] = momentum * v.scalars[i] + gradient.scalars[i]
                value.scalars[i] -= learningRate * (v.scalars[i] + weightDecay * value.scalars[i])
            }
            velocity[name] = v
            parameters[name] = value
        }
    }
}

/// Adam (Kingma & Ba 2015) with bias correction.
public struct Adam: Optimizer {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    private var firstMoment: [String: Tensor] = [:]
    private var secondMoment: [String: Tensor] = [:]
    private var steps = 0

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public mutating func step(parameters: inout [String: Tensor], gradients: [String: Tensor]) {
        steps += 1
        let correction1 = 1 - Float(Foundation.pow(Double(beta1), Double(steps)))
        let correction2 = 1 - Float(Foundation.pow(Double(beta2), Double(steps)))
        for name in gradients.keys.sorted() {
            guard let gradient = gradients[name], var value = parameters[name], value.shape == gradient.shape else { continue }
            var m = firstMoment[name] ?? Tensor(shape: value.shape)
            var v = secondMoment[name] ?? Tensor(shape: value.shape)
            for i in 0..<value.count {
                let g = gradient.scalars[i]
                m.scalars[i] = beta1 * m.scalars[i] + (1 - beta1) * g
                v.scalars[i] = beta2 * v.scalars[i] + (1 - beta2) * g * g
                value.scalars[i] -= learningRate * (m.scalars[i] / correction1) / ((v.scalars[i] / correction2).squareRoot() + epsilon)
            }
            firstMoment[name] = m
            secondMoment[name] = v
            parameters[name] = value
        }
    }
}

/// Softmax cross-entropy: the mean loss over rows and its gradient with respect to the logits.
public func softmaxCrossEntropy(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
    let (rows, classes) = (logits.shape[0], logits.shape[1])
    var gradient = Tensor(shape: logits.shape)
    var loss: Double = 0
    for row in 0..<rows {
        let base = row * classes
        var top = -Float.infinity
        for c in 0..<classes { top = max(top, logits.scalars[base + c]) }
        var total: Float = 0
        for c in 0..<classes { total += Foundation.exp(logits.scalars[base + c] - top) }
        let label = min(max(labels[row], 0), classes - 1)
        loss += Double(Foundation.log(total) + top - logits.scalars[base + label])
        for c in 0..<classes {
            let p = Foundation.exp(logits.scalars[base + c] - top) / total
            gradient.scalars[base + c] = (p - (c == label ? 1 : 0)) / Float(rows)
        }
    }
    return (Float(loss / Double(rows)), gradient)
}
