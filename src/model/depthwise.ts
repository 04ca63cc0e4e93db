import * as tf from '@tensorflow/tfjs';

/**
 * A depthwise convolution (one k x k filter per channel, stride 1, padding 'same', no bias) that honours
 * its dilation. tf.layers.depthwiseConv2d accepts `dilationRate` but does not pass it to the op (TF.js
 * 4.22 calls tf.depthwiseConv2d with dilations null), so a dilated separable layer would silently run
 * undilated; test/model.test.ts checks this layer against the dense convolution it factorises.
 */
export class DilatedDepthwiseConv extends tf.layers.Layer {
  static className = 'DilatedDepthwiseConv';
  private readonly kernelSize: number;
  private readonly dilation: number;
  private kernel: tf.LayerVariable | undefined;

  constructor(args: { name: string; kernelSize: number; dilation: number }) {
    super({ name: args.name });
    this.kernelSize = args.kernelSize;
    this.dilation = args.dilation;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (typeof channels !== 'number') throw new Error(`${this.name}: the input's channel count must be known`);
    // real values are always set from the model file; zeros keep construction cheap
    this.kernel = this.addWeight('depthwise_kernel', [this.kernelSize, this.kernelSize, channels, 1], 'float32',
      tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape; // stride 1, padding 'same', one output channel per input channel
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.depthwiseConv2d(x, this.kernel!.read() as tf.Tensor4D, 1, 'same', 'NHWC', this.dilation);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), kernelSize: this.kernelSize, dilation: this.dilation };
  }
}
