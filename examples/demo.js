// The default demo: trains a LeNet-5 style CNN on the Fashion-MNIST sample bundled with neurona
// (or the full set with --full when Debian's dataset-fashion-mnist is installed), prints test
// accuracy and writes the training curve as a self-contained SVG.
//   npm run demo [-- --epochs 3 --full --threads 2]
const fs = require('fs');
const path = require('path');
const nr = require('../dist/cjs');
const { nn, optim, data } = nr;
const F = nn.functional;

const argv = process.argv.slice(2);
const arg = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i < 0 ? dflt : (argv[i + 1] === undefined || argv[i + 1].startsWith('--') ? true : argv[i + 1]); };
const epochs = Number(arg('epochs', 15));
const source = arg('full', false) ? 'full' : 'sample';
if (arg('threads', null)) nr.backend.setNumThreads(Number(arg('threads')));

nr.manualSeed(0);
function load(split) {
  const { images, labels, root } = data.fashionMnist({ source, split });
  const x = data.toFloat(images).unsqueeze(1).sub(0.2860).div(0.3530);   // (N, 1, 28, 28), standardised
  return { x, y: labels.long(), root };
}
const train = load('train'), test = load('test');
console.log(`Fashion-MNIST (${source}) from ${train.root}: ${train.x.shape[0]} train / ${test.x.shape[0]} test images`);

const model = new nn.Sequential(
  new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10));
const opt = new optim.Adam(model.parameters(), { lr: 2e-3 });
const loader = new data.DataLoader(new data.TensorDataset(train.x, train.y), { batchSize: 64, shuffle: true, seed: 0 });

function accuracy(x, y) {
  model.eval();
  let correct = 0;
  nr.noGrad(() => {
    for (let i = 0; i < x.shape[0]; i += 500) {
      nr.tidy(() => {
        const n = Math.min(500, x.shape[0] - i);
        const pred = model.forward(x.narrow(0, i, n)).argmax(1);
        correct += pred.eq(y.narrow(0, i, n)).sum().item();
      });
    }
  });
  model.train();
  return correct / x.shape[0];
}

const curve = [];
const t0 = Date.now();
let step = 0;
for (let epoch = 1; epoch <= epochs; epoch++) {
  let lossSum = 0, batches = 0;
  for (const [xb, yb] of loader) {
    const loss = nr.tidy(() => {
      const l = F.crossEntropy(model.forward(xb), yb);
      opt.zeroGrad();
      l.backward();
      opt.step();
      return l.item();
    });
    lossSum += loss; batches++; step++;
    if (step % 20 === 0) curve.push({ step, loss });
  }
  const acc = accuracy(test.x, test.y);
  console.log(`epoch ${epoch}/${epochs}  loss ${(lossSum / batches).toFixed(4)}  test accuracy ${(100 * acc).toFixed(2)}%  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
const finalAcc = accuracy(test.x, test.y);
console.log(`test accuracy: ${(100 * finalAcc).toFixed(2)}%`);

// Training curve as a self-contained SVG.
const W = 640, H = 320, pad = 40;
const maxL = Math.max(...curve.map((p) => p.loss)), maxS = curve.length ? curve[curve.length - 1].step : 1;
const pts = curve.map((p) => `${(pad + (p.step / maxS) * (W - 2 * pad)).toFixed(1)},${(H - pad - (p.loss / maxL) * (H - 2 * pad)).toFixed(1)}`).join(' ');
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="20" text-anchor="middle">LeNet-5 on Fashion-MNIST (${source}): training loss, final test accuracy ${(100 * finalAcc).toFixed(2)}%</text>
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="black"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="black"/>
<text x="${W / 2}" y="${H - 10}" text-anchor="middle">step (0..${maxS})</text><text x="10" y="${pad}">${maxL.toFixed(2)}</text><text x="20" y="${H - pad}">0</text>
<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${pts}"/>
</svg>
`;
const out = path.join(process.cwd(), 'demo-training-curve.svg');
fs.writeFileSync(out, svg);
console.log(`training curve written to ${out}`);
