<?php
// gen_vectors.php writes test vectors for package ecpaycrypto, computed by PHP
// itself the way ECPay's official PHP SDK computes them:
//
//   Data = base64_encode(openssl_encrypt(urlencode($json), 'AES-128-CBC', $key, OPENSSL_RAW_DATA, $iv))
//   json = urldecode(openssl_decrypt(base64_decode($data), 'AES-128-CBC', $key, OPENSSL_RAW_DATA, $iv))
//
// Regenerate from the ecpaycrypto directory (needs php-cli with openssl):
//
//   php testdata/gen_vectors.php > testdata/php_vectors.json
//
// Every input and output that may hold arbitrary bytes is written as hex so
// that binary bytes survive JSON; urlencoded text and Data are ASCII by
// construction and are written as they are.

error_reporting(E_ALL);
set_error_handler(function ($no, $msg) {
    fwrite(STDERR, "gen_vectors.php: $msg\n");
    exit(1);
});

$keys = [
    ['name' => 'stage', 'key' => 'ejCk326UnaZWKisg', 'iv' => 'q9jcZX8Ib9LM8wYk'],
    ['name' => 'example2', 'key' => '7b53896b742849d3', 'iv' => '37a0ad3c6ffa428b'],
];

function ecpay_encrypt(string $plain, string $key, string $iv): string
{
    $raw = openssl_encrypt(urlencode($plain), 'AES-128-CBC', $key, OPENSSL_RAW_DATA, $iv);
    if ($raw === false) {
        fwrite(STDERR, "gen_vectors.php: openssl_encrypt failed\n");
        exit(1);
    }
    return base64_encode($raw);
}

function aes_only(string $bytes, string $key, string $iv): string
{
    $raw = openssl_encrypt($bytes, 'AES-128-CBC', $key, OPENSSL_RAW_DATA, $iv);
    if ($raw === false) {
        fwrite(STDERR, "gen_vectors.php: openssl_encrypt failed\n");
        exit(1);
    }
    return base64_encode($raw);
}

// Deterministic bytes that do not depend on PHP's random number generators.
function det_bytes(string $seed, int $n): string
{
    $out = '';
    for ($i = 0; strlen($out) < $n; $i++) {
        $out .= hash('sha256', "$seed/$i", true);
    }
    return substr($out, 0, $n);
}

// Deterministic text of exactly $n bytes: ASCII words, Chinese, JSON
// punctuation and spaces, whole characters only so it stays valid UTF-8.
function det_text(int $n): string
{
    $parts = ['"ItemName":"', '商品', ' ', 'A-1_2.3', '~!*()\'', '/', '&=', '%', '#', '發票', ',', '}', '{', '+', 'Test', '123'];
    $out = '';
    $bytes = det_bytes('text', $n);
    for ($i = 0; $i < $n; $i++) {
        $part = $parts[ord($bytes[$i]) % count($parts)];
        if (strlen($out) + strlen($part) > $n) {
            break;
        }
        $out .= $part;
    }
    return str_pad($out, $n, 'x');
}

$inputs = [];
$add = function (string $name, string $s, bool $firstKeyOnly = false) use (&$inputs) {
    $inputs[] = ['name' => $name, 'input' => $s, 'first_key_only' => $firstKeyOnly];
};

foreach (str_split('~!*()\'_.-+/&=%#') as $c) {
    $add(sprintf('char %02X', ord($c)), $c);
}
$add('empty', '');
$add('one space', ' ');
$add('spaces inside', 'a b  c   d');
$add('spaces around', '  padded  ');
$printable = '';
for ($i = 0x20; $i <= 0x7e; $i++) {
    $printable .= chr($i);
}
$add('printable ASCII', $printable);
$add('Chinese', '取消開立發票成功');
$add('emoji', 'invoice 🧾 ok 👍🏽');
$add('control NUL', "\x00");
$add('control newline', "line1\nline2\r\n");
$add('control tab', "a\tb");
$add('control DEL', "\x7f");
$all = '';
for ($i = 0; $i < 0x20; $i++) {
    $all .= chr($i);
}
$add('all C0 controls and DEL', $all . "\x7f");
$every = '';
for ($i = 0; $i < 256; $i++) {
    $every .= chr($i);
}
$add('every byte value', $every);
$add('invalid UTF-8 bytes', "\xff\xfe\xc3(\x80");
$add('literal percent sequences', '100% %41 %zz %%');

// PKCS#7 boundaries: the urlencoded form is exactly $n bytes.
foreach ([15, 16, 17, 31, 32, 33] as $n) {
    foreach (['plain' => str_repeat('a', $n), 'escaped' => '~' . str_repeat('b', $n - 3)] as $kind => $s) {
        if (strlen(urlencode($s)) !== $n) {
            fwrite(STDERR, "gen_vectors.php: boundary input is not $n bytes urlencoded\n");
            exit(1);
        }
        $add("urlencoded length $n, $kind", $s);
    }
}

// The long inputs are encrypted with the first key only to keep this file small.
$add('long 4KiB binary', det_bytes('binary', 4096), true);
$add('long 64KiB text', det_text(65536), true);

$add('request JSON', '{"MerchantID":"2000132","Tsr":"201909170001"}');
$add('response JSON', '{"RtnCode":1,"RtnMsg":"取消開立發票成功"}');
$add('response JSON, RtnCode string', '{"RtnCode":"1","RtnMsg":"取消開立發票成功"}');
$add('PHP json_encode response', json_encode(['RtnCode' => 1, 'RtnMsg' => '取消開立發票成功']));
$add('PHP json_encode barcode', json_encode(['MerchantID' => '2000132', 'BarCode' => '/1234567']));
$add('PHP json_encode issue', json_encode([
    'MerchantID' => '2000132',
    'RelateNumber' => 'ECPay20190917001',
    'CustomerName' => '綠界 科技',
    'CustomerAddr' => '台北市南港區三重路19-2號6樓',
    'CustomerEmail' => 'test+1@example.com',
    'Print' => '0',
    'Donation' => '0',
    'CarrierType' => '3',
    'CarrierNum' => '/ABC+123',
    'TaxType' => '1',
    'SalesAmount' => 100,
    'InvoiceRemark' => 'A&B <tag> 100% "quoted"',
    'Items' => [[
        'ItemName' => '商品(一)',
        'ItemCount' => 1,
        'ItemWord' => '個',
        'ItemPrice' => 100,
        'ItemAmount' => 100,
    ]],
    'InvType' => '07',
]));
$add('ECPay published example', '{"Name":"Test","ID":"A123456789"}');

$encrypt = [];
foreach ($keys as $i => $k) {
    foreach ($inputs as $in) {
        if ($in['first_key_only'] && $i > 0) {
            continue;
        }
        $encrypt[] = [
            'name' => $in['name'],
            'key' => $k['name'],
            'input_hex' => bin2hex($in['input']),
            'urlencoded' => urlencode($in['input']),
            'data' => ecpay_encrypt($in['input'], $k['key'], $k['iv']),
        ];
    }
}

// urldecode inputs: PHP's own output, other encoders' output, and malformed
// percent sequences that PHP keeps literally.
$decodeInputs = [
    '%', '%4', '%zz', '%%41', '%%', '%%%', '100%', '%4g', '%g4', '%G1', '%-1', '% 41', '%+',
    '%2b', '%2B', '%2f%2F', '%e4%b8%ad%E6%96%87', '%E4%B8%AD', '+', 'a+b', '++', '%20+%20',
    '%00', 'a%00b', '%7e%7E~', '%41%4', 'end%4', 'end%', '%ZZ%41', '%%2541',
    "raw \xff\xfe bytes %41", "tab\there", '!*()',
    '%7b%22Name%22%3a%22Test%22%2c%22ID%22%3a%22A123456789%22%7d',
    '%7B%22RtnCode%22%3A1%2C%22RtnMsg%22%3A%22%E5%8F%96%E6%B6%88%22%7D',
];
for ($i = 0; $i < 256; $i++) {
    $decodeInputs[] = sprintf('%%%02X', $i);
    $decodeInputs[] = sprintf('%%%02x', $i);
}
$urldecode = [];
foreach ($decodeInputs as $s) {
    $urldecode[] = ['input_hex' => bin2hex($s), 'output_hex' => bin2hex(urldecode($s))];
}

// Decrypt-only vectors: Data whose plaintext was urlencoded by something
// other than PHP's urlencode (.NET's HttpUtility.UrlEncode writes lowercase
// hex and leaves !*() literal) or holds malformed percent sequences.
$preEncoded = [
    '.NET-style lowercase' => '%7b%22Name%22%3a%22Test%22%2c%22ID%22%3a%22A123456789%22%7d',
    '.NET-style response' => '%7b%22RtnCode%22%3a1%2c%22RtnMsg%22%3a%22%e5%8f%96%e6%b6%88%e9%96%8b%e7%ab%8b%e7%99%bc%e7%a5%a8%e6%88%90%e5%8a%9f%22%7d',
    '.NET-style literal !*()' => 'a!b*c(d)e+f',
    'malformed percent' => '%7B%22Remark%22%3A%22100%%20%zz%4%22%7D',
    'not encoded at all' => '{"RtnCode":1}',
    'empty' => '',
];
$decrypt = [];
foreach ($keys as $k) {
    foreach ($preEncoded as $name => $s) {
        $decrypt[] = [
            'name' => $name,
            'key' => $k['name'],
            'data' => aes_only($s, $k['key'], $k['iv']),
            'output_hex' => bin2hex(urldecode($s)),
        ];
    }
}

$out = [
    'generator' => 'testdata/gen_vectors.php',
    'php_version' => PHP_VERSION,
    'openssl_version' => OPENSSL_VERSION_TEXT,
    'keys' => $keys,
    'encrypt' => $encrypt,
    'urldecode' => $urldecode,
    'decrypt' => $decrypt,
];
echo json_encode($out, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
