// XOR: a linear model cannot separate it; a 2-8-1 tanh network can.
using Compiled;

float[] inputs = [0, 0, 0, 1, 1, 0, 1, 1];
float[] targets = [0, 1, 1, 0];

var linear = new LinearXor(seed: 1);
var hidden = new TanhXor(seed: 1);
var linearOptimizer = new Adam(learningRate: 0.05f);
var hiddenOptimizer = new Adam(learningRate: 0.05f);
for (int step = 1; step <= 2000; step++)
{
    float linearLoss = linear.TrainStep(inputs, targets, ref linearOptimizer);
    float hiddenLoss = hidden.TrainStep(inputs, targets, ref hiddenOptimizer);
    if (step % 500 == 0)
    {
        Console.WriteLine($"step {step}: linear loss {linearLoss:F4}, 2-8-1 loss {hiddenLoss:F4}");
    }
}

int linearCorrect = 0, hiddenCorrect = 0;
for (int i = 0; i < 4; i++)
{
    ReadOnlySpan<float> x = inputs.AsSpan(i * 2, 2);
    linearCorrect += linear.PredictClass(x) == (int)targets[i] ? 1 : 0;
    hiddenCorrect += hidden.PredictClass(x) == (int)targets[i] ? 1 : 0;
    Console.WriteLine($"{x[0]} xor {x[1]} = {targets[i]}: linear says {linear.PredictClass(x)}, 2-8-1 says {hidden.PredictClass(x)}");
}

Console.WriteLine($"linear correct: {linearCorrect}/4, 2-8-1 correct: {hiddenCorrect}/4, 2-8-1 loss: {hidden.Evaluate(inputs, targets).Loss:F4}");
