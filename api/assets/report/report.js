// 民情码 public pages: a little help for phones. The pages work without it.
(function () {
  'use strict';
  var MAX_PHOTO = 5 * 1024 * 1024;

  function byId(id) { return document.getElementById(id); }

  var form = byId('report-form');
  if (form) {
    var message = byId('client-error');
    var photo = byId('photo');
    var submit = byId('submit');
    var say = function (text) { if (message) { message.textContent = text; } };

    if (photo) {
      photo.addEventListener('change', function () {
        say('');
        var f = photo.files && photo.files[0];
        if (f && f.size > MAX_PHOTO) {
          say('照片不能超过 5 MB，请重新选择。');
          photo.value = '';
        }
      });
    }

    form.addEventListener('submit', function (e) {
      var d = byId('description');
      if (d && !d.value.trim()) {
        e.preventDefault();
        say('请填写描述。');
        d.focus();
        return;
      }
      if (submit) {
        submit.disabled = true;
        submit.textContent = '正在提交…';
      }
    });

    // Coming back to the page (back button) must not leave the button disabled.
    window.addEventListener('pageshow', function () {
      if (submit) {
        submit.disabled = false;
        submit.textContent = '提交';
      }
    });

    var locate = byId('locate');
    var status = byId('loc-status');
    if (locate && 'geolocation' in navigator) {
      locate.hidden = false;
      locate.addEventListener('click', function () {
        status.textContent = '正在获取位置…';
        navigator.geolocation.getCurrentPosition(function (p) {
          byId('latitude').value = p.coords.latitude.toFixed(6);
          byId('longitude').value = p.coords.longitude.toFixed(6);
          status.textContent = '已添加位置（精度约 ' + Math.round(p.coords.accuracy) + ' 米）';
        }, function () {
          status.textContent = '未能获取位置，可以不填。';
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
  }

  var copy = byId('copy-token');
  if (copy) {
    copy.hidden = false;
    copy.addEventListener('click', function () {
      var token = byId('token').textContent.trim();
      var done = byId('copy-status');
      var fallback = function () {
        var range = document.createRange();
        range.selectNodeContents(byId('token'));
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        var ok = false;
        try { ok = document.execCommand('copy'); } catch (err) { ok = false; }
        done.textContent = ok ? '已复制' : '请长按查询码复制';
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(token).then(function () { done.textContent = '已复制'; }, fallback);
      } else {
        fallback();
      }
    });
  }
})();
