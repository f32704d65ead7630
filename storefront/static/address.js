// The address form's 省/市/区 picker: choosing a province lists its cities, a city its
// districts, from areas.json (npm's @vant/area-data, the file the server checks against).
// 「使用微信地址」 fills the form from wx.openAddress inside WeChat, or from the development
// stand-in dialog elsewhere, which answers in wx.openAddress's shape.
(function () {
  "use strict";
  var box = document.querySelector("[data-address-picker]");
  if (!box) return;
  var province = box.querySelector("[data-level=province]");
  var city = box.querySelector("[data-level=city]");
  var district = box.querySelector("[data-level=district]");
  var areas = null;

  // What wx.openAddress's success callback gets, for the stand-in to answer with.
  var SANDBOX_ADDRESS = {
    errMsg: "openAddress:ok", userName: "张三", postalCode: "510000", provinceName: "广东省",
    cityName: "广州市", countryName: "海珠区", detailInfo: "新港中路397号", nationalCode: "440105",
    telNumber: "13800138000"
  };

  function loaded() {
    if (!areas) {
      areas = fetch(box.dataset.areas, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error("areas.json: " + r.status);
        return r.json();
      });
    }
    return areas;
  }

  // The children of a code: cities share the province's first two digits, districts the city's four.
  function children(list, parentCode, digits) {
    var prefix = parentCode.slice(0, digits);
    return Object.keys(list).filter(function (code) { return code.slice(0, digits) === prefix; }).sort()
      .map(function (code) { return { code: code, name: list[code] }; });
  }

  function fill(select, items) {
    var placeholder = select.options[0];
    select.replaceChildren(placeholder);
    items.forEach(function (item) {
      var option = new Option(item.name, item.name);
      option.dataset.code = item.code;
      select.add(option);
    });
    select.value = "";
  }

  function choose(select, name) {
    var found = Array.prototype.some.call(select.options, function (o) { return o.value && o.text === name; });
    select.value = found ? name : "";
    return found;
  }

  function cityCode() {
    var option = city.selectedOptions[0];
    return option && option.dataset.code;
  }

  function onProvince(data) {
    fill(city, province.value ? children(data.city_list, province.value, 2) : []);
    fill(district, []);
  }

  function onCity(data) {
    var code = cityCode();
    fill(district, code ? children(data.county_list, code, 4) : []);
  }

  province.addEventListener("change", function () { loaded().then(onProvince); });
  city.addEventListener("change", function () { loaded().then(onCity); });
  // A province chosen before this script arrived (a slow phone network) still lists its cities.
  if (province.value && city.options.length <= 1) loaded().then(onProvince);

  // Checkout: the new address's fields count only while 「新地址」 is the choice.
  var fields = document.querySelector("[data-new-address]");
  var choices = document.querySelectorAll("input[name=address_id]");
  function showChosen() {
    var chosen = document.querySelector("input[name=address_id]:checked");
    if (!chosen) return;
    var adding = chosen.hasAttribute("data-new-address-choice");
    fields.disabled = !adding;
    fields.hidden = !adding;
  }
  Array.prototype.forEach.call(choices, function (choice) {
    choice.addEventListener("change", showChosen);
  });
  // A choice made before this script arrived (a slow phone network) still counts.
  if (fields && choices.length) showChosen();

  // Fill the form from a wx.openAddress result; true when its 省/市/区 are all ours.
  function useWeChatAddress(result) {
    return loaded().then(function (data) {
      box.querySelector("[name=name]").value = result.userName || "";
      box.querySelector("[name=phone]").value = result.telNumber || "";
      box.querySelector("[name=detail]").value = result.detailInfo || "";
      var matched = Array.prototype.some.call(province.options, function (o) {
        if (o.value && o.text === result.provinceName) { province.value = o.value; return true; }
        return false;
      });
      if (!matched) province.value = "";
      onProvince(data);
      matched = matched && choose(city, result.cityName);
      onCity(data);
      matched = matched && choose(district, result.countryName);
      var message = box.querySelector("[data-wechat-address-message]");
      if (message) message.hidden = matched;
      return matched;
    });
  }

  var button = box.querySelector("[data-wechat-address]");
  if (!button) return;
  var dialog = box.querySelector("[data-wechat-sandbox]");

  if (button.dataset.wechatAddress === "jssdk") {
    var ready = new Promise(function (resolve, reject) {
      if (!window.wx) { reject(new Error("no JS-SDK")); return; }
      window.wx.config(Object.assign(JSON.parse(button.dataset.wxConfig), { jsApiList: ["openAddress"] }));
      window.wx.ready(resolve);
      window.wx.error(reject);
    });
    ready.catch(function () { button.hidden = true; });
    button.addEventListener("click", function () {
      ready.then(function () {
        window.wx.openAddress({ success: useWeChatAddress });
      });
    });
  } else if (dialog) {
    var a = SANDBOX_ADDRESS;
    dialog.querySelector("[data-wechat-sample]").textContent =
      a.userName + " " + a.telNumber + " · " + [a.provinceName, a.cityName, a.countryName, a.detailInfo].join(" ");
    button.addEventListener("click", function () { dialog.showModal(); });
    dialog.querySelector("[data-wechat-cancel]").addEventListener("click", function () { dialog.close(); });
    dialog.querySelector("[data-wechat-choose]").addEventListener("click", function () {
      dialog.close();
      useWeChatAddress(Object.assign({}, SANDBOX_ADDRESS));
    });
  }
})();
